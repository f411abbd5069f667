#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modules/framework/text.h"
#include "modules/packages/apt_common.h"
#include "modules/testing/fake_apt.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_apt_test;

TEST_CASE("package_facts: installed packages from the dpkg database") {
  FakeHost host = AptHost();
  Json result = Task{host, "package_facts", Json::object()}.Run();
  REQUIRE_MESSAGE(result["failed"] != true, result.dump());
  const Json& packages = result["ansible_facts"]["packages"];
  CHECK(packages["bash"][0]["version"] == "5.2.15-2+b2");
  CHECK(packages["bash"][0]["arch"] == "amd64");
  CHECK(packages["bash"][0]["source"] == "apt");
  CHECK(packages["libc6"].size() == 2);
  CHECK_FALSE(packages.contains("oldconf"));
  CHECK(host.commands().empty());
}

TEST_CASE("dpkg_selections: sets a selection once, from the status want field") {
  FakeHost host = AptHost();
  Task hold{host, "dpkg_selections", {{"name", "bash"}, {"selection", "hold"}}};
  CheckCheckMode(hold);
  Json first = hold.Run();
  CHECK(first["changed"] == true);
  CHECK(first["before"] == "install");
  CHECK(host.commands() == std::vector<std::string>{"dpkg --set-selections"});
  host.ClearRecords();
  CHECK(hold.Run()["changed"] == false);
  CHECK(host.commands().empty());
}

}  // namespace
}  // namespace tend
