#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <chrono>
#include <thread>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "modules/testing/fake_host.h"
#include "modules/host/child_stop.h"
#include "modules/host/real_host.h"

namespace tend {
namespace {

// A fresh directory under /tmp, removed at the end of the test.
struct TempDir {
  TempDir() {
    char name[] = "/tmp/tend-host-test-XXXXXX";
    path = ::mkdtemp(name);
  }
  ~TempDir() { RealHost().RemoveTree(path).value(); }
  std::string path;
};

}  // namespace

TEST_CASE("ParsePasswd and ParseGroup skip what libc skips") {
  auto users = ParsePasswd(
      "root:x:0:0:root:/root:/bin/bash\n"
      "# comment\n"
      "\n"
      "broken:x:notanumber:0::/:/bin/sh\n"
      "short:x:1\n"
      "+nisuser::::::\n"
      "alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh\r\n");
  REQUIRE(users.size() == 2);
  CHECK(users[0].name == "root");
  CHECK(users[1].uid == 1000);
  CHECK(users[1].gecos == "Alice,,,");
  CHECK(users[1].shell == "/bin/zsh");
  auto groups = ParseGroup("sudo:x:27:alice,bob\nusers:x:100:\nbad:x:\n");
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].members == std::vector<std::string>{"alice", "bob"});
  CHECK(groups[1].members.empty());
}

TEST_CASE("ParseShadow reads the hash and the expiry day") {
  struct Case {
    std::string line;
    std::string password;
    int64_t expire_days;
  };
  const std::vector<Case> cases{
      {"alice:$6$abc:19000:0:99999:7:::", "$6$abc", -1},
      {"bob:!$6$abc:19000:0:99999:7::20000:", "!$6$abc", 20000},
      {"carol:!:19000::::::", "!", -1},
      {"dave:*", "*", -1},
      {"erin:x:19000:0:99999:7::-1:", "x", -1},
  };
  for (const auto& c : cases) {
    auto entries = ParseShadow(c.line + "\n");
    REQUIRE_MESSAGE(entries.size() == 1, c.line);
    const ShadowEntry& entry = entries.begin()->second;
    CHECK_MESSAGE(entry.password == c.password, c.line);
    CHECK_MESSAGE(entry.expire_days == c.expire_days, c.line);
  }
  CHECK(ParseShadow(":x:1\n# comment\n").empty());
}

TEST_CASE("ResolveUid and ResolveGid use /etc/passwd and /etc/group") {
  FakeHost host;
  host.AddFile("/etc/passwd", "alice:x:1000:1000::/home/alice:/bin/sh\n");
  host.AddFile("/etc/group", "staff:x:50:\n");
  CHECK(ResolveUid(host, "alice").value() == 1000);
  CHECK(ResolveUid(host, "42").value() == 42);
  CHECK(ResolveGid(host, "staff").value() == 50);
  CHECK(ResolveUid(host, "bob").error().message == "chown failed: failed to look up user bob");
  CHECK(ResolveGid(host, "nogroup").error().message ==
        "chgrp failed: failed to look up group nogroup");
}

TEST_CASE("FakeHost records changes and mimics errno texts") {
  FakeHost host;
  host.AddDirectory("/etc");
  REQUIRE(host.WriteFileAtomic("/etc/motd", StringSource("hi\n"), {.mode = 0600}).has_value());
  CHECK(host.Content("/etc/motd") == "hi\n");
  CHECK(host.Stat("/etc/motd")->mode == 0600);
  CHECK(host.WriteFileAtomic("/nope/x", StringSource(""), {}).error().message ==
        "could not create a temporary file in /nope/x: No such file or directory");
  REQUIRE(host.Symlink("/etc/motd", "/etc/link").has_value());
  CHECK(host.Stat("/etc/link")->kind == FileKind::kFile);
  CHECK(host.Stat("/etc/link", false)->kind == FileKind::kLink);
  CHECK(host.ListDirectory("/etc").value() == std::vector<std::string>{"link", "motd"});
  CHECK(host.Remove("/etc").error().message == "could not remove /etc: Directory not empty");
  CHECK(host.changes() ==
        std::vector<std::string>{"write /etc/motd", "symlink /etc/link -> /etc/motd"});
}

TEST_CASE("RealHost writes atomically with the final mode and keeps no temp file") {
  TempDir dir;
  RealHost host;
  std::string path = dir.path + "/config";
  REQUIRE(host.WriteFileAtomic(path, StringSource("one"), {.mode = 0640}).has_value());
  CHECK(host.ReadFile(path).value() == "one");
  CHECK(host.Stat(path)->mode == 0640);
  // Unset attributes keep the existing file's.
  REQUIRE(host.WriteFileAtomic(path, StringSource("two"), {}).has_value());
  CHECK(host.Stat(path)->mode == 0640);
  // A failing source leaves the old content and no temporary file.
  ContentSource failing = [](const auto& emit) -> Expected<void> {
    auto ok = emit("partial");
    if (!ok) return ok;
    return Fail("connection lost");
  };
  CHECK(host.WriteFileAtomic(path, failing, {}).error().message == "connection lost");
  CHECK(host.ReadFile(path).value() == "two");
  CHECK(host.ListDirectory(dir.path).value() == std::vector<std::string>{"config"});
  CHECK(host.WriteFileAtomic(dir.path, StringSource("x"), {}).error().message ==
        "could not write " + dir.path + ": Is a directory");
}

TEST_CASE("RealHost removes the temp files of a write whose agent died, and only those") {
  TempDir dir;
  RealHost host;
  // Above any pid_max: a writer that is certainly gone.
  std::string stale = dir.path + "/.config.tend-tmp-99999999-a1b2c3";
  std::string live = dir.path + fmt::format("/.config.tend-tmp-{}-d4e5f6", ::getpid());
  std::string other = dir.path + "/.other.tend-tmp-99999999-a1b2c3";
  for (const auto& f : {stale, live, other}) std::ofstream(f) << "half";
  REQUIRE(host.WriteFileAtomic(dir.path + "/config", StringSource("x"), {}).has_value());
  CHECK(host.ListDirectory(dir.path).value() ==
        std::vector<std::string>{".config.tend-tmp-" + std::to_string(::getpid()) + "-d4e5f6",
                                 ".other.tend-tmp-99999999-a1b2c3", "config"});
}

TEST_CASE("RealHost::Run stops the command's whole process group when the controller hangs up") {
  int controller[2];
  REQUIRE(::pipe2(controller, O_CLOEXEC) == 0);
  SetControllerFd(controller[0]);
  std::thread hangup([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ::close(controller[1]);
  });
  RealHost host;
  auto start = std::chrono::steady_clock::now();
  // The background sleep is a grandchild: only a group signal reaches it.
  auto ran = host.Run({.argv = {"sh", "-c", "sleep 30 & echo $!; wait"},
                       .stdin_data = {},
                       .cwd = "",
                       .env = {}});
  hangup.join();
  SetControllerFd(-1);
  ::close(controller[0]);
  REQUIRE(ran.has_value());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
  CHECK(ran->rc == -SIGTERM);
  pid_t grandchild = std::stoi(ran->stdout_data);
  // Reparented and reaped by init, or at worst a zombie: never running.
  std::string state;
  std::ifstream(fmt::format("/proc/{}/stat", grandchild)) >> state >> state >> state;
  CHECK((state.empty() || state == "Z"));
}

TEST_CASE("RealHost::Run finds a bare command on the PATH the command is given") {
  TempDir dir;
  std::string tool = dir.path + "/tend-probe";
  std::ofstream(tool) << "#!/bin/sh\necho probed \"$@\"\n";
  std::filesystem::permissions(tool, std::filesystem::perms(0755));
  RealHost host;
  auto found = host.Run({.argv = {"tend-probe", "a"},
                         .stdin_data = {},
                         .cwd = "",
                         .env = {{"PATH", "/nonexistent:" + dir.path}}});
  REQUIRE(found.has_value());
  CHECK(found->stdout_data == "probed a\n");
  auto missing = host.Run({.argv = {"tend-probe"}, .stdin_data = {}, .cwd = "", .env = {}});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message == "[Errno 2] No such file or directory: 'tend-probe'");
}

TEST_CASE("RealHost::Run captures output, feeds stdin and reports exec failures") {
  RealHost host;
  auto echo = host.Run({.argv = {"sh", "-c", "cat; echo err >&2; exit 3"},
                        .stdin_data = "in\n",
                        .cwd = "",
                        .env = {}});
  REQUIRE(echo.has_value());
  CHECK(echo->rc == 3);
  CHECK(echo->stdout_data == "in\n");
  CHECK(echo->stderr_data == "err\n");
  auto pwd = host.Run({.argv = {"pwd"}, .stdin_data = {}, .cwd = "/tmp", .env = {}});
  CHECK(pwd->stdout_data == "/tmp\n");
  auto env = host.Run({.argv = {"sh", "-c", "echo $TEND_X"},
                       .stdin_data = {},
                       .cwd = "",
                       .env = {{"TEND_X", "y"}}});
  CHECK(env->stdout_data == "y\n");
  CHECK(host.Run({.argv = {"/nonexistent/cmd"}, .stdin_data = {}, .cwd = "", .env = {}})
            .error()
            .message == "[Errno 2] No such file or directory: '/nonexistent/cmd'");
  CHECK(host.Run({.argv = {"true"}, .stdin_data = {}, .cwd = "/nonexistent", .env = {}})
            .error()
            .message ==
        "Unable to change directory before execution: [Errno 2] No such file or directory: "
        "'/nonexistent'");
  // Commands start with SIGPIPE at its default even when the agent ignores it.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  auto status = host.Run({.argv = {"cat", "/proc/self/status"}, .stdin_data = {}, .cwd = "", .env = {}});
  ::sigaction(SIGPIPE, &previous, nullptr);
  REQUIRE(status.has_value());
  size_t at = status->stdout_data.find("SigIgn:\t");
  REQUIRE(at != std::string::npos);
  unsigned long long ignored = std::stoull(status->stdout_data.substr(at + 8, 16), nullptr, 16);
  CHECK((ignored & (1ull << (SIGPIPE - 1))) == 0);
  // Large output on both streams does not deadlock.
  auto big =
      host.Run({.argv = {"sh", "-c", "head -c 300000 /dev/zero; head -c 300000 /dev/zero >&2"},
                .stdin_data = std::string(300000, 'x'),
                .cwd = "",
                .env = {}});
  CHECK(big->stdout_data.size() == 300000);
  CHECK(big->stderr_data.size() == 300000);
}

}  // namespace tend
