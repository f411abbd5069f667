#include "controller/connection/become.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>

#include "controller/connection/connection.h"
#include "controller/connection/ssh_config.h"
#include "controller/playbook/test_files.h"
#include "core/hash.h"

namespace tend {

TEST_CASE("become: no wrapper when not asked or already that user") {
  BecomeSettings s;
  CHECK(!ResolveRunAs(false, s, "root", "alice"));
  CHECK(!ResolveRunAs(true, s, "root", "root"));
  CHECK(!ResolveRunAs(true, s, "", "root"));
  auto r = ResolveRunAs(true, s, "postgres", "alice");
  REQUIRE(r);
  CHECK(r->user == "postgres");
  CHECK(!r->has_password);
}

TEST_CASE("become command lines; the password never appears in them") {
  CHECK(*WrapCommand("echo hi", std::nullopt, "P") == "/bin/sh -c 'echo hi'");
  CHECK(*WrapCommand("echo 'x'", RunAs{"root", BecomeMethod::kSudo, false}, "P") ==
        "sudo -H -S -n -u 'root' -- /bin/sh -c 'echo '\\''x'\\'''");
  BecomeSettings s;
  s.password = "s3cret";
  auto with_password = WrapCommand("id", ResolveRunAs(true, s, "bob", "alice"), "[tend 1]");
  CHECK(*with_password == "sudo -H -S -p '[tend 1]' -u 'bob' -- /bin/sh -c 'id'");
  CHECK(with_password->find("s3cret") == std::string::npos);
  CHECK(*WrapCommand("id", RunAs{"bob", BecomeMethod::kSu, false}, "P") ==
        "su -s /bin/sh 'bob' -c 'id'");
  CHECK(WrapCommand("id", RunAs{"bob", BecomeMethod::kSu, true}, "P").error().message ==
        "become_method su with a password is not supported; use sudo");
}

TEST_CASE("become_flags and become_exe shape the command line as Ansible's plugins do") {
  BecomeSettings s;
  s.flags = "-E -n";
  s.exe = "/usr/local/bin/sudo";
  CHECK(*WrapCommand("id", ResolveRunAs(true, s, "bob", "alice"), "P") ==
        "/usr/local/bin/sudo -E -n -u 'bob' -- /bin/sh -c 'id'");
  s.password = "pw";
  CHECK(*WrapCommand("id", ResolveRunAs(true, s, "bob", "alice"), "P") ==
        "/usr/local/bin/sudo -E -p 'P' -u 'bob' -- /bin/sh -c 'id'");
  CHECK(*WrapCommand("id", RunAs{"bob", BecomeMethod::kSu, false, "-l", "/bin/su"}, "P") ==
        "/bin/su -l -s /bin/sh 'bob' -c 'id'");
}

TEST_CASE("agent scripts verify the checksum before exec and after upload") {
  std::string sha(64, 'a');
  CHECK(AgentFileName(sha) == "agent-aaaaaaaaaaaaaaaa");
  std::string start = AgentStartScript(sha);
  CHECK(start.find("sha256sum") < start.find("exec"));
  CHECK(start.find("exit 97") != std::string::npos);
  std::string upload = AgentUploadScript(sha, 1234);
  CHECK(upload.find("for n in 1234; do head -c $n") != std::string::npos);
  CHECK(upload.find("sha256sum") < upload.find("mv -f"));
}

TEST_CASE("the agent goes up in acknowledged pieces: full chunks, then the remainder") {
  CHECK(AgentUploadChunks(0).empty());
  CHECK(AgentUploadChunks(1) == std::vector<size_t>{1});
  CHECK(AgentUploadChunks(kAgentUploadChunk) == std::vector<size_t>{kAgentUploadChunk});
  CHECK(AgentUploadChunks(2 * kAgentUploadChunk + 5) ==
        std::vector<size_t>{kAgentUploadChunk, kAgentUploadChunk, 5});
  std::string upload = AgentUploadScript(std::string(64, 'a'), kAgentUploadChunk + 7);
  CHECK(upload.find(fmt::format("for n in {} 7;", kAgentUploadChunk)) != std::string::npos);
}

namespace {

// Runs the real upload script with /bin/sh, HOME pointing into `dir`.
ExecResult UploadLocally(const TestDir& dir, const std::string& bytes, const std::string& sha) {
  auto connection = ConnectLocal(HostTarget{});
  REQUIRE(connection);
  auto process = (*connection)->Start("HOME=" + SingleQuote(dir.root()) + "; " +
                                      AgentUploadScript(sha, bytes.size()));
  REQUIRE(process);
  auto result = RunWithAcknowledgedChunks(**process, bytes, AgentUploadChunks(bytes.size()));
  REQUIRE(result);
  return *result;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

}  // namespace

TEST_CASE("agent upload script, run by /bin/sh: arrives whole with mode 0700, or not at all") {
  TestDir dir;
  std::string bytes(2 * kAgentUploadChunk + 12345, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 % 251);
  std::string sha = Sha256Hex(bytes);
  std::string cached = dir.Path(".cache/tend/" + AgentFileName(sha));

  ExecResult ok = UploadLocally(dir, bytes, sha);
  CHECK(ok.rc == 0);
  CHECK(ok.out.empty());  // the acknowledgements are not output
  CHECK(ReadAll(cached) == bytes);
  CHECK((std::filesystem::status(cached).permissions() & std::filesystem::perms::all) ==
        std::filesystem::perms::owner_all);

  std::string other_sha(64, 'b');
  ExecResult corrupt = UploadLocally(dir, bytes, other_sha);
  CHECK(corrupt.rc == 1);
  CHECK(corrupt.err.find("arrived corrupted") != std::string::npos);
  // Only the good agent is left: no temp file, no entry under the wrong name.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.Path(".cache/tend")),
                      std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("agent start script, run by /bin/sh: fixes loose modes, removes dead uploads") {
  TestDir dir;
  std::string bytes = "#!/bin/sh\necho serving \"$@\"\n";
  std::string sha = Sha256Hex(bytes);
  namespace fs = std::filesystem;
  fs::path cache = dir.Path(".cache/tend");
  fs::create_directories(cache);
  std::ofstream(cache / AgentFileName(sha)) << bytes;
  // An upload whose shell is gone (no such pid), and one still running (us).
  std::ofstream(cache / ("." + AgentFileName(sha) + ".99999999")) << "half";
  std::string live = "." + AgentFileName(sha) + "." + std::to_string(::getpid());
  std::ofstream(cache / live) << "half";
  fs::permissions(cache / AgentFileName(sha), fs::perms(0777));
  fs::permissions(cache, fs::perms(0777));

  auto connection = ConnectLocal(HostTarget{});
  REQUIRE(connection);
  auto process =
      (*connection)->Start("HOME=" + SingleQuote(dir.root()) + "; " + AgentStartScript(sha));
  REQUIRE(process);
  auto result = RunToCompletion(**process, "");
  REQUIRE(result);
  CHECK(result->rc == 0);
  CHECK(result->out == "serving serve\n");
  CHECK(result->err == "tend: " + cache.string() +
                           " was writable by other users; removed their write permission\n");
  CHECK((fs::status(cache).permissions() & fs::perms::all) == fs::perms(0755));
  CHECK((fs::status(cache / AgentFileName(sha)).permissions() & fs::perms::all) ==
        fs::perms(0755));
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(cache)) left.push_back(e.path().filename());
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{live, AgentFileName(sha)});
}

TEST_CASE("acknowledged chunks: a process that exits early ends the upload with its status") {
  std::signal(SIGPIPE, SIG_IGN);  // writing to the exited shell must fail, not kill the test
  auto connection = ConnectLocal(HostTarget{});
  REQUIRE(connection);
  auto process = (*connection)->Start("head -c 3 >/dev/null; echo .; echo 'no space' >&2; exit 3");
  REQUIRE(process);
  auto result = RunWithAcknowledgedChunks(**process, "aaabbbccc", {3, 3, 3});
  REQUIRE(result);
  CHECK(result->rc == 3);
  CHECK(result->err == "no space\n");
}

}  // namespace tend
