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

// Ansible joins after and before into one pattern: `before` alone reaches its
// last match, both take the nearest after..before pair, and a file where the
// pair does not match is left alone with a message.
TEST_CASE("replace: the after/before section is Ansible's joined pattern") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/a", "a x\nB x\na x\nB x\n");
  Task{host, "replace", {{"path", "/srv/a"}, {"regexp", "x"}, {"replace", "y"}, {"before", "B"}}}
      .Run();
  CHECK(host.Content("/srv/a") == "a y\nB y\na y\nB x\n");
  host.AddFile("/srv/b", "a x\nB x\na x\nB x\n");
  Task{host,
       "replace",
       {{"path", "/srv/b"}, {"regexp", "x"}, {"replace", "y"}, {"after", "a"}, {"before", "B"}}}
      .Run();
  CHECK(host.Content("/srv/b") == "a y\nB x\na x\nB x\n");
  host.AddFile("/srv/c", "one\ntwo\n");
  Task missing{host,
               "replace",
               {{"path", "/srv/c"}, {"regexp", "o"}, {"after", "two"}, {"before", "one"}}};
  Json result = missing.Run();
  CHECK(result["changed"] == false);
  CHECK(result.value("failed", false) == false);
  CHECK(result["msg"] ==
        "Pattern for before/after params did not match the given file: two(?P<subsection>.*?)one");
  CHECK(host.Content("/srv/c") == "one\ntwo\n");
}

}  // namespace
}  // namespace tend
