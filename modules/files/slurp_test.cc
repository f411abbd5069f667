#include <doctest/doctest.h>

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

}  // namespace
}  // namespace tend
