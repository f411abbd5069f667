#include <doctest/doctest.h>

#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("blockinfile: insert, update in place, remove") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/hosts", "127.0.0.1 localhost\n");
  Task insert{host, "blockinfile", {{"path", "/srv/hosts"}, {"block", "10.0.0.1 a\n10.0.0.2 b"}}};
  CheckCheckMode(insert);
  CheckIdempotent(insert);
  CHECK(host.Content("/srv/hosts") ==
        "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.1 a\n10.0.0.2 b\n"
        "# END ANSIBLE MANAGED BLOCK\n");
  Json update = Task{host, "blockinfile", {{"path", "/srv/hosts"}, {"block", "10.0.0.3 c"}}}.Run();
  CHECK(update["msg"] == "Block inserted");
  CHECK(host.Content("/srv/hosts") ==
        "127.0.0.1 localhost\n# BEGIN ANSIBLE MANAGED BLOCK\n10.0.0.3 c\n"
        "# END ANSIBLE MANAGED BLOCK\n");
  Task remove{host, "blockinfile", {{"path", "/srv/hosts"}, {"state", "absent"}}};
  CHECK(remove.Run()["msg"] == "Block removed");
  CHECK(host.Content("/srv/hosts") == "127.0.0.1 localhost\n");
  CHECK(remove.Run()["changed"] == false);
  Json bof = Task{host,
                  "blockinfile",
                  {{"path", "/srv/hosts"},
                   {"block", "x"},
                   {"insertbefore", "BOF"},
                   {"marker", "## {mark} tend"}}}
                 .Run();
  CHECK(host.Content("/srv/hosts").starts_with("## BEGIN tend\nx\n## END tend\n127"));
  CHECK(Task{host, "blockinfile", {{"path", "/srv/none"}, {"block", "x"}}}.Run()["msg"] ==
        "Path /srv/none does not exist !");
}

// `create: true` under a missing directory makes it, as Ansible does
// (check mode makes nothing).
TEST_CASE("blockinfile: create makes the missing parent directories") {
  FakeHost host = MakeHost();
  Task create{host, "blockinfile", {{"path", "/srv/p/q/new"}, {"block", "x"}, {"create", true}}};
  CheckCheckMode(create);
  CheckIdempotent(create);
  CHECK(host.Stat("/srv/p/q")->kind == FileKind::kDirectory);
  CHECK(host.Stat("/srv/p")->mode == 0755);
}

// Lines keep their own endings, a last line without one gets it before the
// block, and an (?m) pattern is searched across lines, as Ansible's bytes
// editing does.
TEST_CASE("blockinfile: line endings kept, missing final newline, multiline insertafter") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/dos", "a\r\n# BEGIN ANSIBLE MANAGED BLOCK\nold\r\n# END ANSIBLE MANAGED BLOCK\nz\n");
  Task{host, "blockinfile", {{"path", "/srv/dos"}, {"block", "d\r\nd\r\n"}}}.Run();
  CHECK(host.Content("/srv/dos") ==
        "a\r\n# BEGIN ANSIBLE MANAGED BLOCK\nd\r\nd\r\n# END ANSIBLE MANAGED BLOCK\nz\n");
  host.AddFile("/srv/open", "last");
  Task{host, "blockinfile", {{"path", "/srv/open"}, {"block", "x"}}}.Run();
  CHECK(host.Content("/srv/open") == "last\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\n");
  host.AddFile("/srv/m", "a\nb\nc\n");
  Task{host, "blockinfile", {{"path", "/srv/m"}, {"block", "x"}, {"insertafter", "(?m)^a\\nb$"}}}.Run();
  CHECK(host.Content("/srv/m") == "a\nb\n# BEGIN ANSIBLE MANAGED BLOCK\nx\n# END ANSIBLE MANAGED BLOCK\nc\n");
  CHECK(Task{host, "blockinfile", {{"path", "/srv/gone"}, {"state", "absent"}, {"create", true}}}
            .Run()["msg"] ==
        "File /srv/gone not present");
}

}  // namespace
}  // namespace tend
