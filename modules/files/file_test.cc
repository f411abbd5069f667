#include <doctest/doctest.h>

#include <ctime>

#include "core/hash.h"
#include "modules/files/file_common.h"
#include "modules/framework/registry.h"
#include "modules/testing/fake_host.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

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

TEST_CASE("file: re-pointing a link returns both targets in diff, without --diff too") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/f", "x", 0644);
  host.AddLink("/srv/l", "/srv/f");
  Json result = Task{host, "file", {{"path", "/srv/l"}, {"src", "f"}, {"state", "link"}}}.Run();
  CHECK(result["changed"] == true);
  CHECK(result["diff"]["before"]["src"] == "/srv/f");
  CHECK(result["diff"]["after"]["src"] == "f");
  CHECK(host.Stat("/srv/l", false)->link_target == "f");
}

TEST_CASE("file: an existing link without src keeps its target; follow sets the target's mode") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/data", "x", 0600);
  host.AddLink("/srv/alias", "data");
  Task chmod{host, "file", {{"path", "/srv/alias"}, {"mode", "0644"}}};
  CheckIdempotent(chmod);
  CHECK(host.Stat("/srv/data")->mode == 0644);
  CHECK(host.Stat("/srv/alias", false)->link_target == "data");
  Json kept = Task{host, "file", {{"path", "/srv/alias"}, {"state", "link"}, {"follow", false}}}.Run();
  CHECK(kept["changed"] == false);
  CHECK(kept["src"] == "data");
  Json none = Task{host, "file", {{"path", "/srv/new"}, {"state", "link"}}}.Run();
  CHECK(none["msg"] == "src is required for state=link");
  Json src_only = Task{host, "file", {{"path", "/srv/other"}, {"src", "/srv/data"}}}.Run();
  CHECK(src_only["msg"] == "src option requires state to be 'link' or 'hard'");
  Json onto_link = Task{host, "file", {{"path", "/srv/alias"}, {"src", "data"}}}.Run();
  CHECK(onto_link["changed"] == false);

  host.AddDirectory("/srv/empty");
  Json unforced =
      Task{host, "file", {{"path", "/srv/empty"}, {"src", "/srv/data"}, {"state", "link"}}}.Run();
  CHECK(unforced["msg"] == "refusing to convert from directory to symlink for /srv/empty");
  host.AddFile("/srv/full/inside", "x");
  Json full = Task{host,
                   "file",
                   {{"path", "/srv/full"}, {"src", "/srv/data"}, {"state", "link"}, {"force", true}}}
                  .Run();
  CHECK(full["msg"] == "the directory /srv/full is not empty, refusing to convert it");
  Json forced = Task{host,
                     "file",
                     {{"path", "/srv/empty"}, {"src", "/srv/data"}, {"state", "link"}, {"force", true}}}
                    .Run();
  CHECK(forced["changed"] == true);
  CHECK(host.Stat("/srv/empty", false)->link_target == "/srv/data");
}

TEST_CASE("file: a link to a missing src fails unless force, as in Ansible") {
  FakeHost host = MakeHost();
  Json refused = Task{host, "file", {{"path", "/srv/l"}, {"src", "gone"}, {"state", "link"}}}.Run();
  CHECK(refused["failed"] == true);
  CHECK(refused["msg"] ==
        "src file does not exist, use \"force=yes\" if you really want to create the link: /srv/gone");
  Json forced = Task{host,
                     "file",
                     {{"path", "/srv/l"}, {"src", "gone"}, {"state", "link"}, {"force", true}}}
                    .Run();
  CHECK(forced["changed"] == true);
  CHECK(host.Stat("/srv/l", false)->link_target == "gone");
}

TEST_CASE("file: every directory it creates gets the task's owner and mode, as in Ansible") {
  FakeHost host = MakeHost();
  Task dir{host, "file", {{"path", "/srv/p/q/r"}, {"state", "directory"}, {"mode", "0700"}, {"owner", "app"}}};
  CheckIdempotent(dir);
  for (const char* created : {"/srv/p", "/srv/p/q", "/srv/p/q/r"}) {
    CAPTURE(created);
    CHECK(host.Stat(created)->mode == 0700);
    CHECK(host.Stat(created)->uid == 1001);
  }
  CHECK(host.Stat("/srv")->mode == 0755);  // an existing parent is left alone
}

TEST_CASE("file: modification_time and access_time, preserve and formatted times") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/t", "x", 0644);
  Task keep{host,
            "file",
            {{"path", "/srv/t"}, {"state", "touch"}, {"modification_time", "preserve"}, {"access_time", "preserve"}}};
  CHECK(keep.Run()["changed"] == false);
  CHECK(Task{host, "file", {{"path", "/srv/t"}, {"state", "touch"}}}.Run()["changed"] == true);

  Task stamp{host,
             "file",
             {{"path", "/srv/t"}, {"modification_time", "202601011200.00"}, {"access_time", "202601011200.00"}}};
  host.ClearRecords();
  CheckCheckMode(stamp);
  CheckIdempotent(stamp);
  std::tm tm{.tm_min = 0, .tm_hour = 12, .tm_mday = 1, .tm_mon = 0, .tm_year = 126, .tm_isdst = -1};
  CHECK(host.Stat("/srv/t")->mtime == static_cast<int64_t>(std::mktime(&tm)));
  CHECK(Task{host, "file", {{"path", "/srv/t"}, {"modification_time", "1 Jan"}}}.Run()["msg"] ==
        "Error while obtaining timestamp for time 1 Jan using format %Y%m%d%H%M.%S: time data '1 Jan' does not "
        "match format '%Y%m%d%H%M.%S'");
}

// Ansible's file module returns its diff without --diff too, with the times
// it changes (check mode included); roles and tests read it.
TEST_CASE("file: the diff names the times it sets, with or without --diff") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/t", "x", 0644);
  int64_t before = host.Stat("/srv/t")->mtime;
  std::tm tm{.tm_min = 0, .tm_hour = 12, .tm_mday = 1, .tm_mon = 0, .tm_year = 126, .tm_isdst = -1};
  int64_t wanted = std::mktime(&tm);
  Task stamp{host, "file", {{"path", "/srv/t"}, {"modification_time", "202601011200.00"}}};
  stamp.check = true;
  Json checked = stamp.Run();
  CHECK(checked["changed"] == true);
  CHECK(checked["diff"] == Json{{"before", {{"path", "/srv/t"}, {"mtime", before}}},
                                {"after", {{"path", "/srv/t"}, {"mtime", wanted}}}});
  CHECK(host.Stat("/srv/t")->mtime == before);
  stamp.check = false;
  CHECK(stamp.Run()["diff"]["after"]["mtime"] == wanted);
  Json again = stamp.Run();
  CHECK(again["changed"] == false);
  CHECK(again["diff"] == Json{{"before", {{"path", "/srv/t"}}}, {"after", {{"path", "/srv/t"}}}});
  // "now" changes even within the second the file already has (Ansible
  // compares sub-second times); the preserved time stays out of the diff.
  host.SetNow(host.Stat("/srv/t")->atime * 1000000);
  Json now = Task{host, "file", {{"path", "/srv/t"}, {"access_time", "now"}}}.Run();
  CHECK(now["changed"] == true);
  CHECK(now["diff"]["after"].contains("atime"));
  CHECK_FALSE(now["diff"]["after"].contains("mtime"));
}

TEST_CASE("file: errors are exact") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/f", "x");
  Json absent = Task{host, "file", {{"path", "/srv/none"}}}.Run();
  CHECK(absent["msg"] == "file (/srv/none) is absent, cannot continue");
  // The failure names what was found there, as Ansible's does.
  CHECK(absent["state"] == "absent");
  CHECK(absent["path"] == "/srv/none");
  CHECK(Task{host, "file", {{"path", "/srv"}, {"state", "file"}}}.Run()["state"] == "directory");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"state", "directory"}}}.Run()["msg"] ==
        "/srv/f already exists as a file");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"src", "/srv/f"}, {"state", "link"}}}.Run()["msg"] ==
        "refusing to convert from file to symlink for /srv/f");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"owner", "nobody"}}}.Run()["msg"] ==
        "chown failed: failed to look up user nobody");
  CHECK(Task{host, "file", {{"path", "/srv/f"}, {"state", "dir"}}}.Run()["msg"] ==
        "value of state must be one of: absent, directory, file, hard, link, touch, got: dir");
  CHECK(host.changes().empty());
}

}  // namespace
}  // namespace tend
