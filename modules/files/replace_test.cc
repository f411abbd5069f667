#include <doctest/doctest.h>

#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("replace: all matches with backreferences, idempotent, after/before") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/app.ini", "host=old1\nport=1\nhost=old2\n");
  Task task{host,
            "replace",
            {{"path", "/srv/app.ini"}, {"regexp", "^host=old(\\d)$"}, {"replace", "host=new\\1"}}};
  CheckCheckMode(task);
  Json first = task.Run();
  CHECK(first["msg"] == "2 replacements made");
  CHECK(host.Content("/srv/app.ini") == "host=new1\nport=1\nhost=new2\n");
  CHECK(task.Run()["changed"] == false);
  Task{host,
       "replace",
       {{"path", "/srv/app.ini"}, {"regexp", "host"}, {"replace", "h"}, {"after", "port=1"}}}
      .Run();
  CHECK(host.Content("/srv/app.ini") == "host=new1\nport=1\nh=new2\n");
  CHECK(Task{host, "replace", {{"path", "/srv/none"}, {"regexp", "x"}}}.Run()["msg"] ==
        "Path /srv/none does not exist !");
}

}  // namespace
}  // namespace tend
