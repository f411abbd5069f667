#include "controller/playbook/actions/action_table.h"

#include <doctest/doctest.h>

#include <set>

#include "controller/playbook/module_names.h"

namespace tend {
namespace {

TEST_CASE("action table: every row is a controller action, named once, found by name") {
  std::set<std::string> seen;
  for (const auto& name : ControllerActionNames()) {
    CAPTURE(name);
    CHECK(IsControllerAction(name));
    CHECK(seen.insert(name).second);
    const ControllerAction* action = FindControllerAction(name);
    REQUIRE(action != nullptr);
    CHECK(action->name == name);
  }
  CHECK(FindControllerAction("command") == nullptr);
  CHECK(FindControllerAction("include_tasks") == nullptr);
}

}  // namespace
}  // namespace tend
