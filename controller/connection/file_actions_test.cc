#include "controller/connection/file_actions.h"

#include <doctest/doctest.h>

#include <map>

#include "controller/playbook/test_files.h"
#include "core/hash.h"
#include "modules/host/http_client.h"

namespace tend {
namespace {

// A host holding `files` (path -> content) and `dirs`, answering stat and
// slurp as the agent does; every call is logged.
struct FakeRemote {
  std::map<std::string, std::string> files;
  std::vector<std::string> dirs;
  std::vector<ModuleCall> calls;

  AgentCall Agent() {
    return [this](const ModuleCall& call) { return Answer(call); };
  }

  Json Answer(const ModuleCall& call) {
    calls.push_back(call);
    if (call.module == "stat") {
      std::string path = call.args["path"];
      if (std::find(dirs.begin(), dirs.end(), path) != dirs.end()) {
        return Json{{"changed", false}, {"stat", {{"exists", true}, {"isdir", true}}}};
      }
      if (!files.contains(path)) return Json{{"changed", false}, {"stat", {{"exists", false}}}};
      return Json{{"changed", false},
                  {"stat", {{"exists", true}, {"isdir", false}, {"checksum", Sha1Hex(files[path])}}}};
    }
    if (call.module == "slurp") {
      return Json{{"changed", false}, {"content", Base64Encode(files[call.args["src"]])}};
    }
    // file/copy: a directory or file that is not there yet changes.
    std::string path = call.args.value("path", call.args.value("dest", ""));
    if (call.module == "file") {
      bool exists = std::find(dirs.begin(), dirs.end(), path) != dirs.end();
      if (!exists && !call.check) dirs.push_back(path);
      return Json{{"changed", !exists}, {"path", path}};
    }
    bool same = files.contains(path) && call.content && files[path] == call.content->text();
    if (!same && !call.check) files[path] = call.content ? call.content->text() : "";
    return Json{{"changed", !same}, {"dest", path}};
  }

  int Count(const std::string& module) const {
    return static_cast<int>(std::count_if(calls.begin(), calls.end(),
                                          [&](const ModuleCall& c) { return c.module == module; }));
  }
};

std::string ReadBack(const std::string& path) {
  auto content = ReadLocalFile(path);
  REQUIRE_MESSAGE(content.has_value(), content.error().message);
  return *content;
}

}  // namespace

TEST_CASE("fetch destination: per host under dest, flat, relative to the playbook") {
  ActionPlace place{"web1", "/play", {}};
  CHECK(FetchDestination("/etc/hosts", "/backup", false, place) == "/backup/web1/etc/hosts");
  CHECK(FetchDestination("/etc/hosts", "out", false, place) == "/play/out/web1/etc/hosts");
  CHECK(FetchDestination("/etc/hosts", "/b/", true, place) == "/b/hosts");
  CHECK(FetchDestination("/etc/hosts", "/b/hosts.txt", true, place) == "/b/hosts.txt");
  CHECK(FetchDestination("relative/x.log", "/b", false, place) == "/b/web1/relative/x.log");
}

TEST_CASE("fetch writes the remote file once; an unchanged one is not transferred again") {
  TestDir dir;
  FakeRemote remote;
  remote.files["/etc/app.conf"] = "port = 80\n";
  ActionPlace place{"web1", dir.root(), {}};
  Json args{{"src", "/etc/app.conf"}, {"dest", "fetched"}};
  Json first = RunFetch(args, place, ModuleCall{}, remote.Agent());
  INFO(first.dump());
  CHECK(first["changed"] == true);
  std::string local = dir.Path("fetched/web1/etc/app.conf");
  CHECK(first["dest"] == local);
  CHECK(first["checksum"] == Sha1Hex("port = 80\n"));
  CHECK(ReadBack(local) == "port = 80\n");
  CHECK(remote.Count("slurp") == 1);

  Json second = RunFetch(args, place, ModuleCall{}, remote.Agent());
  CHECK(second["changed"] == false);
  CHECK(remote.Count("slurp") == 1);  // checksums matched: no content moved

  remote.files["/etc/app.conf"] = "port = 8080\n";
  ModuleCall check;
  check.check = true;
  Json predicted = RunFetch(args, place, check, remote.Agent());
  CHECK(predicted["changed"] == true);
  CHECK(ReadBack(local) == "port = 80\n");  // check mode writes nothing
  CHECK(RunFetch(args, place, ModuleCall{}, remote.Agent())["changed"] == true);
  CHECK(ReadBack(local) == "port = 8080\n");
}

TEST_CASE("fetch: missing remote file, fail_on_missing, directories, flat into a directory") {
  TestDir dir;
  FakeRemote remote;
  remote.dirs.push_back("/etc");
  remote.files["/var/log/app.log"] = "line\n";
  ActionPlace place{"web1", dir.root(), {}};
  Json missing = RunFetch({{"src", "/nope"}, {"dest", "/tmp"}}, place, {}, remote.Agent());
  CHECK(missing["failed"] == true);
  CHECK(missing["msg"] == "the remote file does not exist, not transferring, ignored");
  Json tolerated = RunFetch({{"src", "/nope"}, {"dest", "/tmp"}, {"fail_on_missing", "no"}}, place,
                            {}, remote.Agent());
  CHECK_FALSE(tolerated.contains("failed"));
  Json directory = RunFetch({{"src", "/etc"}, {"dest", "/tmp"}}, place, {}, remote.Agent());
  CHECK(directory["msg"] == "remote file is a directory, fetch cannot work on directories");

  Json flat = RunFetch({{"src", "/var/log/app.log"}, {"dest", dir.root() + "/logs/"}, {"flat", true}},
                       place, {}, remote.Agent());
  CHECK(flat["changed"] == true);
  CHECK(ReadBack(dir.Path("logs/app.log")) == "line\n");
  Json onto_dir = RunFetch({{"src", "/var/log/app.log"}, {"dest", dir.root() + "/logs"}, {"flat", true}},
                           place, {}, remote.Agent());
  CHECK(onto_dir["failed"] == true);
  CHECK(onto_dir["msg"].get<std::string>().find("is an existing directory") != std::string::npos);
}

TEST_CASE("copy of a local tree: the directory itself, or its content with a trailing slash") {
  TestDir dir;
  dir.Write("site/index.html", "<h1>hi</h1>\n");
  dir.Write("site/css/main.css", "body{}\n");
  std::filesystem::create_directories(dir.Path("site/empty"));
  FakeRemote remote;
  Json args{{"src", "site"}, {"dest", "/srv/www"}, {"directory_mode", "0750"}, {"mode", "0640"}};
  Json first = RunCopyTree(dir.Path("site"), args, ModuleCall{}, remote.Agent());
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["dest"] == "/srv/www/site");
  CHECK(remote.files["/srv/www/site/index.html"] == "<h1>hi</h1>\n");
  CHECK(remote.files["/srv/www/site/css/main.css"] == "body{}\n");
  CHECK(remote.dirs == std::vector<std::string>{"/srv/www/site", "/srv/www/site/css",
                                                "/srv/www/site/empty"});
  const ModuleCall& dir_call = remote.calls.front();
  CHECK(dir_call.args["mode"] == "0750");
  const auto copy = std::find_if(remote.calls.begin(), remote.calls.end(),
                                 [](const ModuleCall& c) { return c.module == "copy"; });
  REQUIRE(copy != remote.calls.end());
  CHECK(copy->args["mode"] == "0640");
  CHECK_FALSE(copy->args.contains("directory_mode"));

  Json again = RunCopyTree(dir.Path("site"), args, ModuleCall{}, remote.Agent());
  CHECK(again["changed"] == false);

  FakeRemote other;
  args["src"] = "site/";
  Json content_only = RunCopyTree(dir.Path("site/"), args, ModuleCall{}, other.Agent());
  CHECK(content_only["dest"] == "/srv/www");
  CHECK(other.files.contains("/srv/www/index.html"));
}

TEST_CASE("copy of a local tree in check mode asks nothing below a directory it would create") {
  TestDir dir;
  dir.Write("conf/a.conf", "a\n");
  dir.Write("conf/d/b.conf", "b\n");
  FakeRemote remote;
  ModuleCall check;
  check.check = true;
  Json r = RunCopyTree(dir.Path("conf"), {{"src", "conf"}, {"dest", "/etc/app"}}, check,
                       remote.Agent());
  CHECK(r["changed"] == true);
  CHECK(remote.calls.size() == 1);  // only the top directory was asked about
  CHECK(remote.files.empty());
  CHECK(remote.dirs.empty());
}

TEST_CASE("copy of a local tree stops at the first failed call and returns it") {
  TestDir dir;
  dir.Write("t/a", "a");
  dir.Write("t/b", "b");
  int calls = 0;
  AgentCall agent = [&](const ModuleCall& call) -> Json {
    ++calls;
    if (call.module == "copy") return Json{{"failed", true}, {"msg", "Permission denied"}};
    return Json{{"changed", false}};
  };
  Json r = RunCopyTree(dir.Path("t"), {{"src", "t"}, {"dest", "/x"}}, ModuleCall{}, agent);
  CHECK(r["msg"] == "Permission denied");
  CHECK(calls == 2);
}

TEST_CASE("a local source read for several hosts is read and hashed once, again once it changes") {
  TestDir dir;
  dir.Write("big.bin", "version one\n");
  auto first = ReadLocalContent(dir.Path("big.bin"));
  auto second = ReadLocalContent(dir.Path("big.bin"));
  REQUIRE(first.has_value());
  REQUIRE(second.has_value());
  CHECK(&first->text() == &second->text());  // the same bytes, shared
  CHECK(first->sha1() == Sha1Hex("version one\n"));
  dir.Write("big.bin", "version two, longer\n");
  auto changed = ReadLocalContent(dir.Path("big.bin"));
  REQUIRE(changed.has_value());
  CHECK(changed->text() == "version two, longer\n");
  CHECK(changed->sha1() == Sha1Hex("version two, longer\n"));
  CHECK(first->text() == "version one\n");  // earlier holders keep their bytes
}

TEST_CASE("reading a local source that is not there names it") {
  auto r = ReadLocalFile("/nonexistent/tend/file");
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message == "could not read /nonexistent/tend/file: No such file or directory");
}

}  // namespace tend
