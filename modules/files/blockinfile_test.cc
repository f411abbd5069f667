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

}  // namespace
}  // namespace tend
