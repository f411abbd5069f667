#include <doctest/doctest.h>

#include "core/hash.h"
#include "modules/fake_host.h"
#include "modules/file_common.h"
#include "modules/registry.h"
#include "modules/test_support.h"

namespace tend {
namespace {}  // namespace

TEST_CASE("ParseMode reads octal, ints and symbolic modes") {
  CHECK(ParseMode(Json("0644"), 0, false).value() == 0644);
  CHECK(ParseMode(Json("755"), 0, false).value() == 0755);
  CHECK(ParseMode(Json(493), 0, false).value() == 0755);
  CHECK(ParseMode(Json("u=rw,g=r,o=r"), 0777, false).value() == 0644);
  CHECK(ParseMode(Json("u+x"), 0644, false).value() == 0744);
  CHECK(ParseMode(Json("a-w"), 0664, false).value() == 0444);
  CHECK(ParseMode(Json("g=u"), 0640, false).value() == 0660);
  CHECK(ParseMode(Json("a+X"), 0644, true).value() == 0755);
  CHECK(ParseMode(Json("a+X"), 0644, false).value() == 0644);
  CHECK(ParseMode(Json("u=rwz"), 0, false).error().message ==
        "bad symbolic permission for mode: u=rwz");
}

TEST_CASE("stat reports existence, mode, owner and checksum") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/a.txt", "hello", 0640);
  Json r = Task{host, "stat", {{"path", "/srv/a.txt"}}}.Run();
  CHECK(r["changed"] == false);
  CHECK(r["stat"]["exists"] == true);
  CHECK(r["stat"]["mode"] == "0640");
  CHECK(r["stat"]["isreg"] == true);
  CHECK(r["stat"]["pw_name"] == "root");
  CHECK(r["stat"]["checksum"] == Sha1Hex("hello"));
  Json missing = Task{host, "stat", {{"path", "/srv/none"}}}.Run();
  CHECK(missing["stat"].dump() == R"({"exists":false})");
  Json sha256 =
      Task{host, "stat", {{"path", "/srv/a.txt"}, {"checksum_algorithm", "sha256"}}}.Run();
  CHECK(sha256["stat"]["checksum"] == Sha256Hex("hello"));
  CHECK(host.changes().empty());
}

TEST_CASE("file: directory, touch, absent, link — idempotent and check mode") {
  FakeHost host = MakeHost();
  Task dir{host,
           "file",
           {{"path", "/srv/a/b"}, {"state", "directory"}, {"mode", "0750"}, {"owner", "app"}}};
  CheckCheckMode(dir);
  CheckIdempotent(dir);
  CHECK(host.Stat("/srv/a/b")->mode == 0750);
  CHECK(host.Stat("/srv/a/b")->uid == 1001);
  // A trailing slash names the same directory (copy of a tree sends "dest/").
  Task slash{host, "file", {{"path", "/srv/a/b/"}, {"state", "directory"}, {"mode", "0750"}}};
  CHECK(slash.Run()["changed"] == false);
  CHECK(slash.Run()["path"] == "/srv/a/b");

  host.AddFile("/srv/f", "x", 0644);
  Task mode{host, "file", {{"path", "/srv/f"}, {"mode", "u=rw,go="}}};
  CheckCheckMode(mode);
  CheckIdempotent(mode);
  CHECK(host.Stat("/srv/f")->mode == 0600);

  Task link{host, "file", {{"path", "/srv/l"}, {"src", "/srv/f"}, {"state", "link"}}};
  CheckCheckMode(link);
  CheckIdempotent(link);
  CHECK(host.Stat("/srv/l", false)->link_target == "/srv/f");

  Task absent{host, "file", {{"path", "/srv/a"}, {"state", "absent"}}};
  CheckCheckMode(absent);
  CheckIdempotent(absent);
  CHECK(!host.Stat("/srv/a/b")->exists());

  Task touch{host, "file", {{"path", "/srv/t"}, {"state", "touch"}}};
  CheckCheckMode(touch);
  CHECK(touch.Run()["changed"] == true);
  CHECK(host.Stat("/srv/t")->kind == FileKind::kFile);
}

TEST_CASE("file: errors are exact") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/f", "x");
  CHECK(Task{host, "file", {{"path", "/srv/none"}}}.Run()["msg"] ==
        "file (/srv/none) is absent, cannot continue");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"state", "directory"}}}.Run()["msg"] ==
        "/srv/f already exists as a file");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"src", "/x"}, {"state", "link"}}}.Run()["msg"] ==
        "refusing to convert from file to symlink for /srv/f");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"owner", "nobody"}}}.Run()["msg"] ==
        "chown failed: failed to look up user nobody");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"state", "dir"}}}.Run()["msg"] ==
        "value of state must be one of: absent, directory, file, hard, link, touch, got: dir");
  CHECK(host.changes().empty());
}

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

}  // namespace tend
