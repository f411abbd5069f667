#include <doctest/doctest.h>
#include <errno.h>

#include "modules/host/real_host.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("slurp returns base64 content") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/k", "hello!?");
  Json r = Task{host, "slurp", {{"src", "/srv/k"}}}.Run();
  CHECK(r["content"] == "aGVsbG8hPw==");
  CHECK(r["encoding"] == "base64");
  CHECK(Task{host, "slurp", {{"path", "/srv/none"}}}.Run()["msg"] == "file not found: /srv/none");
}

TEST_CASE("slurp words each unreadable cause as Ansible does") {
  FakeHost host = MakeHost();
  host.AddDirectory("/srv/dir");
  host.AddFile("/srv/secret", "x", 0600);
  host.AddFile("/srv/plain", "x");
  host.SetEffectiveIds(1000, 1000);
  CHECK(Task{host, "slurp", {{"src", "/srv/secret"}}}.Run()["msg"] ==
        "file is not readable: /srv/secret");
  CHECK(Task{host, "slurp", {{"src", "/srv/dir"}}}.Run()["msg"] ==
        "source is a directory and must be a file: /srv/dir");
  CHECK(Task{host, "slurp", {{"src", "/srv/plain/inner"}}}.Run()["msg"] ==
        "unable to slurp file: [Errno 20] Not a directory: '/srv/plain/inner'");
}

TEST_CASE("a host error's errno is recovered from its message") {
  CHECK(ErrnoOf(PathError("read", "/a", EACCES).error()) == EACCES);
  CHECK(ErrnoOf(PathError("read", "/a", ENOTDIR).error()) == ENOTDIR);
  CHECK(ErrnoOf(Error{"something else"}) == 0);
}

}  // namespace
}  // namespace tend
