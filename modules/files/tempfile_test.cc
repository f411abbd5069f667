#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>

#include "core/hash.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

FakeHost TmpHost() {
  FakeHost host = MakeHost();
  host.AddDirectory("/tmp", 01777);
  host.ClearRecords();
  return host;
}

TEST_CASE("tempfile: a 0600 file named ansible.XXXXXXXX in /tmp") {
  FakeHost host = TmpHost();
  Json r = Task{host, "tempfile", Json::object()}.Run();
  REQUIRE_MESSAGE(r["failed"] != true, r.dump());
  CHECK(r["changed"] == true);
  std::string path = r["path"];
  CHECK(std::regex_match(path, std::regex(R"(/tmp/ansible\.[a-z0-9_]{8})")));
  CHECK(host.Stat(path)->kind == FileKind::kFile);
  CHECK(host.Stat(path)->mode == 0600);
  CHECK(host.Content(path).empty());
  CHECK(r["state"] == "file");
  CHECK(r["mode"] == "0600");
  CHECK(r["owner"] == "root");
  CHECK(r["size"] == 0);
  CHECK(host.changes() == std::vector<std::string>{"write " + path});
  // Each run makes a new one.
  Json again = Task{host, "tempfile", Json::object()}.Run();
  CHECK(again["changed"] == true);
  CHECK(again["path"] != r["path"]);
}

TEST_CASE("tempfile: directory 0700 with prefix and suffix under path") {
  FakeHost host = TmpHost();
  Json r = Task{host,
                "tempfile",
                {{"state", "directory"}, {"path", "/srv"}, {"prefix", "build-"}, {"suffix", ".d"}}}
               .Run();
  REQUIRE_MESSAGE(r["failed"] != true, r.dump());
  std::string path = r["path"];
  CHECK(std::regex_match(path, std::regex(R"(/srv/build-[a-z0-9_]{8}\.d)")));
  CHECK(host.Stat(path)->kind == FileKind::kDirectory);
  CHECK(host.Stat(path)->mode == 0700);
  CHECK(r["state"] == "directory");
  CHECK(host.changes() == std::vector<std::string>{"mkdir " + path + " 0700"});
}

TEST_CASE("tempfile: $TMPDIR is the default place, as gettempdir() has it") {
  FakeHost host = TmpHost();
  host.AddDirectory("/var/scratch");
  host.SetEnv("TMPDIR", "/var/scratch");
  Json r = Task{host, "tempfile", Json::object()}.Run();
  CHECK(r["path"].get<std::string>().starts_with("/var/scratch/ansible."));
  host.SetEnv("TMPDIR", "/does/not/exist");
  CHECK(Task{host, "tempfile", Json::object()}.Run()["path"].get<std::string>().starts_with(
      "/tmp/ansible."));
}

TEST_CASE("tempfile: check mode skips the task as Ansible does") {
  FakeHost host = TmpHost();
  Task task{host, "tempfile", {{"state", "directory"}}};
  task.check = true;
  Json r = task.Run();
  CHECK(r["skipped"] == true);
  CHECK(r["changed"] == false);
  CHECK(r["msg"] == "remote module (tempfile) does not support check mode");
  CHECK(host.changes().empty());
}

TEST_CASE("tempfile: errors name the path that was tried") {
  FakeHost host = TmpHost();
  Json missing = Task{host, "tempfile", {{"path", "/nope"}}}.Run();
  CHECK(missing["failed"] == true);
  CHECK(std::regex_match(
      missing["msg"].get<std::string>(),
      std::regex(R"(\[Errno 2\] No such file or directory: '/nope/ansible\.\w{8}')")));
  host.AddFile("/srv/file", "x");
  Json not_dir = Task{host, "tempfile", {{"path", "/srv/file"}, {"state", "directory"}}}.Run();
  CHECK(not_dir["msg"].get<std::string>().starts_with("[Errno 20] Not a directory: '/srv/file/"));
  Json bad_state = Task{host, "tempfile", {{"state", "link"}}}.Run();
  CHECK(bad_state["msg"].get<std::string>().starts_with(
      "value of state must be one of: directory, file, got: link"));
}

}  // namespace
}  // namespace tend
