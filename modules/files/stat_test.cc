#include <doctest/doctest.h>

#include "core/hash.h"
#include "modules/files/file_common.h"
#include "modules/framework/registry.h"
#include "modules/testing/fake_host.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

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

}  // namespace
}  // namespace tend
