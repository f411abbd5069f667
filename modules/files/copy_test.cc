#include <doctest/doctest.h>

#include "core/hash.h"
#include "modules/files/file_common.h"
#include "modules/framework/registry.h"
#include "modules/testing/fake_host.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("copy: inline content, idempotent, check mode, diff") {
  FakeHost host = MakeHost();
  Task copy{host, "copy", {{"dest", "/srv/app.conf"}, {"content", "a=1\n"}, {"mode", "0600"}}};
  CheckCheckMode(copy);
  CheckIdempotent(copy);
  CHECK(host.Content("/srv/app.conf") == "a=1\n");
  CHECK(host.Stat("/srv/app.conf")->mode == 0600);

  Task change{host, "copy", {{"dest", "/srv/app.conf"}, {"content", "a=2\n"}}, true, true};
  Json r = change.Run();
  CHECK(r["changed"] == true);
  CHECK(r["diff"][0]["before"] == "a=1\n");
  CHECK(r["diff"][0]["after"] == "a=2\n");
  CHECK(host.Content("/srv/app.conf") == "a=1\n");
}

TEST_CASE("copy: controller content moves only when the checksum differs") {
  FakeHost host = MakeHost();
  std::string data = "model: v2\n";
  Json args{{"dest", "/srv/"},
            {"src", "files/model.yml"},
            {"_content", {{"sha1", Sha1Hex(data)}, {"size", data.size()}}}};
  Task copy{host, "copy", args, false, false, StringSource(data)};
  Json first = copy.Run();
  CHECK(first["changed"] == true);
  CHECK(first["dest"] == "/srv/model.yml");
  CHECK(copy.fetches == 1);
  CHECK(host.Content("/srv/model.yml") == data);
  Json second = copy.Run();
  CHECK(second["changed"] == false);
  CHECK(copy.fetches == 1);  // nothing moved the second time
}

// issue 21: the diff read the controller's content and the write asked again.
TEST_CASE("copy: --diff with controller content reads it once and writes it") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/app.conf", "port = 80\n");
  std::string data = "port = 81\n";
  Json args{{"dest", "/srv/app.conf"},
            {"src", "files/app.conf"},
            {"_content", {{"sha1", Sha1Hex(data)}, {"size", data.size()}}}};
  for (const char* module : {"copy", "template"}) {
    CAPTURE(module);
    host.AddFile("/srv/app.conf", "port = 80\n");
    Task task{host, module, args, false, true, StringSource(data)};
    Json r = task.Run();
    CHECK_MESSAGE(r["failed"] != true, r.dump());
    CHECK(r["diff"][0]["after"] == data);
    CHECK(task.fetches == 1);
    CHECK(host.Content("/srv/app.conf") == data);
  }
}

TEST_CASE("copy: backup, force=no, validate and missing directories") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/sudoers", "old\n");
  host.ClearRecords();
  Json backup =
      Task{host, "copy", {{"dest", "/srv/sudoers"}, {"content", "new\n"}, {"backup", true}}}.Run();
  REQUIRE(backup.contains("backup_file"));
  CHECK(host.Content(backup["backup_file"]) == "old\n");
  CHECK(host.Content("/srv/sudoers") == "new\n");

  Json keep =
      Task{host, "copy", {{"dest", "/srv/sudoers"}, {"content", "x"}, {"force", "no"}}}.Run();
  CHECK(keep["changed"] == false);

  host.OnRun([](const ProcessSpec& spec, FakeHost&) {
    return ProcessResult{spec.argv[0] == "visudo" ? 1 : 0, "", "syntax error"};
  });
  Json invalid = Task{host,
                      "copy",
                      {{"dest", "/srv/sudoers"}, {"content", "bad"}, {"validate", "visudo -cf %s"}}}
                     .Run();
  CHECK(invalid["failed"] == true);
  CHECK(invalid["msg"] == "failed to validate: rc:1 error:syntax error");
  CHECK(host.Content("/srv/sudoers") == "new\n");
  CHECK(host.commands().back().starts_with("visudo -cf /srv/.sudoers.tend-validate-"));
  CHECK(host.ListDirectory("/srv")->size() == 2);  // sudoers and its backup, no temp file

  CHECK(Task{host, "copy", {{"dest", "/nodir/x"}, {"content", "x"}}}.Run()["msg"] ==
        "Destination directory /nodir does not exist");
  CHECK(Task{host, "copy", {{"dest", "/srv/"}, {"content", "x"}}}.Run()["msg"] ==
        "can not use content with a dir as dest");
  CHECK(Task{host, "copy", {{"dest", "/srv/x"}}}.Run()["msg"] == "src (or content) is required");
}

TEST_CASE("template writes the controller's rendered text like copy") {
  FakeHost host = MakeHost();
  std::string text = "listen 8080\n";
  Task task{
      host,
      "template",
      {{"src", "nginx.conf.j2"}, {"dest", "/srv/nginx.conf"}, {"_content", {{"text", text}}}}};
  CheckCheckMode(task);
  CheckIdempotent(task);
  CHECK(host.Content("/srv/nginx.conf") == text);
}

}  // namespace
}  // namespace tend
