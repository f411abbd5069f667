#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <set>

#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/parsers/tools_parse.h"
#include "modules/testing/fake_network.h"
#include "modules/testing/fake_tools.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_tools_test;

struct UnarchiveFixture {
  UtcZone utc;
  FakeHost host = MakeHost();
  FakeArchiver archiver;

  UnarchiveFixture() {
    archiver.members = {
        {"app/", "", 0755}, {"app/run.sh", "echo hi\n", 0755}, {"app/README", "hi\n"}};
    for (const char* tool : {"/usr/bin/tar", "/usr/bin/unzip", "/usr/bin/zipinfo"}) {
      host.AddFile(tool, "", 0755);
    }
    host.AddDirectory("/opt");
    host.AddDirectory("/tmp", 01777);
    host.AddFile("/srv/app.tar.gz", "gzip bytes");
    host.AddFile("/srv/app.zip", "zip bytes");
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) -> ProcessResult {
      std::string tool = BaseName(spec.argv[0]);
      if (tool == "tar") return archiver.Tar(spec, h);
      if (tool == "unzip") return archiver.Unzip(spec, h);
      return {127, "", tool + ": not faked"};
    });
    host.ClearRecords();
  }

  Task Remote(const std::string& src, Json extra = Json::object()) {
    Json args{{"src", src}, {"dest", "/opt"}, {"remote_src", true}};
    for (auto& [k, v] : extra.items()) args[k] = v;
    return Task{.host = host, .module = "unarchive", .args = args};
  }
};

TEST_CASE("unarchive: a tar.gz on the target unpacks once; the second run is tar --diff only") {
  UnarchiveFixture f;
  Json first = f.Remote("/srv/app.tar.gz").Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["handler"] == "TgzArchive");
  CHECK(first["dest"] == "/opt");
  CHECK(first["src"] == "/srv/app.tar.gz");
  CHECK(first["state"] == "directory");
  CHECK(first["extract_results"]["rc"] == 0);
  CHECK(first["extract_results"]["cmd"] ==
        Json::array({"/usr/bin/tar", "--extract", "-C", "/opt", "-z", "-f", "/srv/app.tar.gz"}));
  CHECK(f.host.Content("/opt/app/run.sh") == "echo hi\n");
  CHECK(f.host.commands() ==
        std::vector<std::string>{"/usr/bin/tar --version",
                                 "/usr/bin/tar --list -C /opt -z -f /srv/app.tar.gz",
                                 "/usr/bin/tar --diff -C /opt -z -f /srv/app.tar.gz",
                                 "/usr/bin/tar --extract -C /opt -z -f /srv/app.tar.gz"});
  f.host.ClearRecords();
  Json second = f.Remote("/srv/app.tar.gz").Run();
  CHECK(second["changed"] == false);
  CHECK_FALSE(second.contains("extract_results"));
  CHECK(f.archiver.extracts.size() == 1);
  CHECK(f.host.changes().empty());

  f.host.AddFile("/opt/app/README", "edited\n");
  CHECK(f.Remote("/srv/app.tar.gz").Run()["changed"] == true);
  CHECK(f.host.Content("/opt/app/README") == "hi\n");
}

TEST_CASE("unarchive: tar flavours by name, and probing when the name says nothing") {
  UnarchiveFixture f;
  struct Case {
    const char* name;
    const char* handler;
    const char* flag;
  };
  const Case cases[] = {{"a.tar", "TarArchive", ""},
                        {"a.tgz", "TgzArchive", "-z"},
                        {"a.tar.bz2", "TarBzipArchive", "-j"},
                        {"a.tar.xz", "TarXzArchive", "-J"},
                        {"a.tar.zst", "TarZstdArchive", "--use-compress-program=zstd"}};
  for (const auto& c : cases) {
    INFO(c.name);
    f.host.AddFile(std::string("/srv/") + c.name, "bytes");
    f.host.ClearRecords();
    Json r = f.Remote(std::string("/srv/") + c.name).Run();
    CHECK(r["handler"] == c.handler);
    std::string list = f.host.commands().at(1);
    CHECK(list == fmt::format("/usr/bin/tar --list -C /opt{}{} -f /srv/{}", *c.flag ? " " : "",
                              c.flag, c.name));
  }
  // No telling name: zip is tried first (unzip -Z fails), then tar -z.
  f.host.AddFile("/srv/blob", "bytes");
  f.host.OnRun([&](const ProcessSpec& spec, FakeHost& h) -> ProcessResult {
    if (BaseName(spec.argv[0]) == "unzip")
      return {9, "", "End-of-central-directory signature not found"};
    return f.archiver.Tar(spec, h);
  });
  f.host.ClearRecords();
  Json blob = f.Remote("/srv/blob").Run();
  CHECK(blob["handler"] == "TgzArchive");
  CHECK(f.host.commands().front() == "/usr/bin/unzip -Z -T -s /srv/blob");
}

TEST_CASE("unarchive: exclude, include, keep_newer, extra_opts, owner and group reach tar") {
  UnarchiveFixture f;
  Json r = f.Remote("/srv/app.tar.gz", {{"exclude", {"app/README", "docs/"}},
                                        {"keep_newer", true},
                                        {"extra_opts", {"--strip-components=0"}},
                                        {"list_files", true}})
               .Run();
  INFO(r.dump());
  CHECK(r["files"] == Json::array({"app/", "app/run.sh"}));
  CHECK(f.archiver.extracts.back() ==
        "/usr/bin/tar --extract -C /opt -z --show-transformed-names --strip-components=0 "
        "--keep-newer-files --exclude=app/README --exclude=docs -f /srv/app.tar.gz");
  CHECK(f.host.Find("/opt/app/README") == nullptr);

  Json inc =
      f.Remote("/srv/app.tar.gz", {{"include", {"app/README"}}, {"owner", "app"}, {"group", "app"}})
          .Run();
  CHECK(f.archiver.extracts.back() ==
        "/usr/bin/tar --extract -C /opt -z --owner=app --group=app -f /srv/app.tar.gz "
        "app/README");
  // owner/group are applied to the members afterwards.
  CHECK(f.host.Find("/opt/app/README")->uid == 1001);
  CHECK(f.host.Find("/opt/app")->gid == 1001);

  Json both = f.Remote("/srv/app.tar.gz", {{"include", {"a"}}, {"exclude", {"b"}}}).Run();
  CHECK(both["msg"] == "parameters are mutually exclusive: include|exclude");
}

TEST_CASE("unarchive: mode applies to every member; the second run changes nothing") {
  UnarchiveFixture f;
  CheckIdempotent(f.Remote("/srv/app.tar.gz", {{"mode", "u=rwX,go=rX"}}));
  CHECK(f.host.Find("/opt/app/README")->mode == 0644);
  CHECK(f.host.Find("/opt/app/run.sh")->mode == 0755);
  f.host.ClearRecords();
  Json r = f.Remote("/srv/app.tar.gz", {{"mode", "0600"}}).Run();
  CHECK(r["changed"] == true);
  CHECK(f.archiver.extracts.size() == 1);  // a mode difference is not a re-extract
  CHECK(f.host.Find("/opt/app/run.sh")->mode == 0600);
}

TEST_CASE("unarchive: check mode says it would unpack and unpacks nothing") {
  UnarchiveFixture f;
  CheckCheckMode(f.Remote("/srv/app.tar.gz"));
  CHECK(f.archiver.extracts.empty());
  CHECK(f.host.Find("/opt/app") == nullptr);
  f.Remote("/srv/app.tar.gz").Run();
  Task again = f.Remote("/srv/app.tar.gz");
  again.check = true;
  CHECK(again.Run()["changed"] == false);
}

TEST_CASE("unarchive: creates skips before anything is read or sent") {
  UnarchiveFixture f;
  f.host.AddFile("/opt/app/run.sh", "old");
  f.host.ClearRecords();
  Json r = f.Remote("/srv/app.tar.gz", {{"creates", "/opt/app/run.sh"}}).Run();
  CHECK(r["skipped"] == true);
  CHECK(r["changed"] == false);
  CHECK(r["msg"] == "skipped, since /opt/app/run.sh exists");
  CHECK(f.host.commands().empty());
  Task sent{.host = f.host,
            .module = "unarchive",
            .args = {{"src", "app.tar.gz"},
                     {"dest", "/opt"},
                     {"creates", "/opt/app/run.sh"},
                     {"_content", {{"sha1", "x"}, {"size", 3}}}},
            .controller_content = StringSource("tar")};
  CHECK(sent.Run()["skipped"] == true);
  CHECK(sent.fetches == 0);
}

TEST_CASE("unarchive: the controller's archive is staged in a temporary file and removed") {
  UnarchiveFixture f;
  Task task{.host = f.host,
            .module = "unarchive",
            .args = {{"src", "files/app.tar.gz"},
                     {"dest", "/opt"},
                     {std::string(protocol::kContentArg), {{"sha1", "abc"}, {"size", 10}}}},
            .controller_content = StringSource("gzip bytes")};
  Json r = task.Run();
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(task.fetches == 1);
  std::string staged = r["src"];
  CHECK(staged.starts_with("/tmp/.tend-unarchive-"));
  CHECK(staged.ends_with("-app.tar.gz"));
  CHECK(r["handler"] == "TgzArchive");
  CHECK(f.host.Find(staged) == nullptr);
  CHECK(f.host.changes().front() == "write " + staged);
  CHECK(f.host.changes().back() == "remove " + staged);

  // Check mode stages the archive to compare it, and changes nothing else.
  f.host.ClearRecords();
  task.check = true;
  f.host.AddFile("/opt/app/README", "edited\n");
  f.host.ClearRecords();
  Json check = task.Run();
  CHECK(check["changed"] == true);
  CHECK(f.host.changes().size() == 2);
  CHECK(f.host.Content("/opt/app/README") == "edited\n");

  // Small archives ride inline as text.
  Task inline_task{.host = f.host,
                   .module = "unarchive",
                   .args = {{"src", "app.zip"},
                            {"dest", "/opt"},
                            {"_content", {{"sha1", "abc"}, {"size", 3}, {"text", "zip"}}}}};
  CHECK(inline_task.Run()["handler"] == "ZipArchive");

  Json lost =
      Task{.host = f.host, .module = "unarchive", .args = {{"src", "app.tar.gz"}, {"dest", "/opt"}}}
          .Run();
  CHECK(lost["msg"] == "Source 'app.tar.gz' failed to transfer");
}

TEST_CASE("unarchive: a zip compares its listing with what is on disk") {
  UnarchiveFixture f;
  Json first = f.Remote("/srv/app.zip", {{"list_files", true}}).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["handler"] == "ZipArchive");
  CHECK(first["files"] == Json::array({"app/", "app/run.sh", "app/README"}));
  CHECK(first["diff"]["prepared"] ==
        ">d++++++.?? app/\n>f++++++.?? app/run.sh\n>f++++++.?? app/README\n");
  CHECK(f.archiver.extracts.back() == "/usr/bin/unzip -o /srv/app.zip -d /opt");
  CHECK(f.host.Find("/opt/app/README")->mtime == 1704164645);

  // The fake lists every file as rw-r--r--: run.sh (0755 on disk) differs in mode.
  f.archiver.members[1].mode = 0644;
  f.host.AddFile("/opt/app/run.sh", "echo hi\n", 0644);
  (void)f.host.SetTimes("/opt/app/run.sh", 1704164645, 1704164645);
  f.host.ClearRecords();
  Json second = f.Remote("/srv/app.zip").Run();
  CHECK_MESSAGE(second["changed"] == false, second.dump());
  CHECK_FALSE(second.contains("diff"));
  CHECK(f.host.changes().empty());
  CHECK(f.host.commands().back() == "/usr/bin/unzip -v /srv/app.zip");  // CRCs checked

  // Same size and time, other bytes: the CRC tells.
  f.host.AddFile("/opt/app/README", "ho\n");
  (void)f.host.SetTimes("/opt/app/README", 1704164645, 1704164645);
  Task check = f.Remote("/srv/app.zip");
  check.check = true;
  Json edited = check.Run();
  CHECK(edited["changed"] == true);
  CHECK(edited["diff"]["prepared"] == ".fc......?? app/README\n");

  f.host.AddFile("/opt/app/README", "hi\n");
  (void)f.host.SetTimes("/opt/app/README", 1704164000, 1704164000);
  CHECK(check.Run()["diff"]["prepared"] == ".f..t....?? app/README\n");
  Json newer = f.Remote("/srv/app.zip", {{"keep_newer", true}}).Run();
  CHECK(newer["changed"] == true);  // older on disk: replaced
  (void)f.host.SetTimes("/opt/app/README", 1804164000, 1804164000);
  f.host.ClearRecords();
  Json kept = f.Remote("/srv/app.zip", {{"keep_newer", true}}).Run();
  CHECK(kept["changed"] == false);  // newer on disk: left alone
}

TEST_CASE("unarchive: zip include/exclude and the ZipZArchive fallback without zipinfo") {
  UnarchiveFixture f;
  (void)f.host.Remove("/usr/bin/zipinfo");
  Json r = f.Remote("/srv/app.zip", {{"exclude", {"app/R*"}}, {"list_files", true}}).Run();
  CHECK(r["handler"] == "ZipZArchive");
  CHECK(r["files"] == Json::array({"app/", "app/run.sh"}));
  CHECK(f.archiver.extracts.back() == "/usr/bin/unzip -o /srv/app.zip -x app/R* -d /opt");
  Json inc = f.Remote("/srv/app.zip", {{"include", {"app/README"}}, {"list_files", true}}).Run();
  CHECK(inc["files"] == Json::array({"app/README"}));
}

TEST_CASE("unarchive: a URL src is downloaded by the host's HTTP client, then unpacked") {
  UnarchiveFixture f;
  f.host.AddFile("/etc/hosts", "10.0.0.7 example.org\n");
  fake_network_test::FakeNetwork net(f.host);
  ScopedNetwork scoped(net);
  net.Listen("10.0.0.7:80", [](const std::string& request) {
    if (request.starts_with("GET /dl/app.tar.gz ")) return fake_network_test::Reply(200, "OK", "gzip bytes");
    return std::string("HTTP/1.1 302 Found\r\nLocation: /dl/app.tar.gz\r\nContent-Length: 0\r\n\r\n");
  });
  // No remote_src: a URL is the host's to fetch, as the controller half leaves it.
  Task task{.host = f.host, .module = "unarchive",
            .args = {{"src", "http://example.org/latest.tar.gz"}, {"dest", "/opt"}}};
  Json r = task.Run();
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(r["handler"] == "TgzArchive");
  CHECK(f.host.Find("/opt/app/run.sh"));
  CHECK(net.requests().size() == 2);
  // The downloaded archive is gone once the task ends.
  CHECK(f.host.ListDirectory("/tmp")->empty());
}

TEST_CASE("unarchive: clear failures") {
  UnarchiveFixture f;
  CHECK(f.Remote("/srv/nope.tar.gz").Run()["msg"] == "Source '/srv/nope.tar.gz' does not exist");
  f.host.AddFile("/srv/empty.tar", "");
  CHECK(f.Remote("/srv/empty.tar").Run()["msg"] ==
        "Invalid archive '/srv/empty.tar', the file is 0 bytes");
  f.host.AddFile("/etc/hosts", "10.0.0.7 example.org\n");
  fake_network_test::FakeNetwork net(f.host);
  ScopedNetwork scoped(net);
  net.Listen("10.0.0.7:80", [](const std::string&) { return fake_network_test::Reply(404, "Not Found", ""); });
  CHECK(f.Remote("http://example.org/a.tgz").Run()["msg"] ==
        "Failure downloading http://example.org/a.tgz, HTTP Error 404: Not Found");
  Task bad_dest = f.Remote("/srv/app.tar.gz");
  bad_dest.args["dest"] = "/nowhere";
  CHECK(bad_dest.Run()["msg"] == "Destination '/nowhere' is not a directory");
  Task sent{
      .host = f.host, .module = "unarchive", .args = {{"src", "a.tgz"}, {"dest", "/srv/app.zip"}}};
  CHECK(sent.Run()["msg"] == "dest '/srv/app.zip' must be an existing dir");

  (void)f.host.Remove("/usr/bin/tar");
  Json no_tar = f.Remote("/srv/app.tar.gz").Run();
  CHECK(no_tar["failed"] == true);
  std::string msg = no_tar["msg"];
  CHECK(
      msg.starts_with("Failed to find handler for \"/srv/app.tar.gz\". Make sure the required "
                      "command to extract the file is installed.\n"));
  CHECK(msg.find("Unable to find required 'gtar' or 'tar' binary in the path") !=
        std::string::npos);
  (void)f.host.Remove("/usr/bin/unzip");
  Json no_unzip = f.Remote("/srv/app.zip").Run();
  CHECK(no_unzip["msg"].get<std::string>().find(
            "Unable to find required 'unzip' binary in the path.") != std::string::npos);

  f.host.AddFile("/usr/bin/tar", "", 0755);
  f.archiver.tar_version = "bsdtar 3.6.2 - libarchive 3.6.2\n";
  Json bsd = f.Remote("/srv/app.tar.gz").Run();
  CHECK(bsd["msg"].get<std::string>().find(
            "Command \"/usr/bin/tar\" detected as tar type bsd. GNU tar required.") !=
        std::string::npos);
  f.archiver.tar_version = "tar (GNU tar) 1.34\n";
  f.archiver.members.clear();
  CHECK(f.Remote("/srv/app.tar.gz")
            .Run()["msg"]
            .get<std::string>()
            .find("found no files in archive. Empty archive files are not supported.") !=
        std::string::npos);
}

// The controller validates a task's arguments and sends them on with the
// defaults filled in; the agent validates again. Both must accept that.
TEST_CASE("unarchive and git: defaulted arguments pass a second validation") {
  for (const char* module : {"unarchive", "git", "mount", "debconf"}) {
    INFO(module);
    Json args = Json::object();
    if (std::string(module) == "unarchive") args = {{"src", "a.tgz"}, {"dest", "/opt"}};
    if (std::string(module) == "git") args = {{"repo", "r"}, {"dest", "/d"}};
    if (std::string(module) == "mount") args = {{"path", "/m"}, {"state", "absent"}};
    if (std::string(module) == "debconf") args = {{"name", "tzdata"}};
    const ModuleSpec& spec = FindModule(module)->spec();
    auto once = ValidateArgs(spec, args);
    REQUIRE(once.has_value());
    auto twice = ValidateArgs(spec, *once);
    std::string why = twice.has_value() ? "" : twice.error().message;
    CHECK_MESSAGE(twice.has_value(), why);
  }
}

}  // namespace
}  // namespace tend
