#include "controller/playbook/actions/action_table.h"

#include <doctest/doctest.h>

#include <set>

#include "controller/playbook/module_names.h"
#include "modules/framework/registry.h"

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


// The registry (modules/framework/registry.cc) is the one list of names; the
// table is the dispatch. A controller action the registry lists but no row
// runs would reach the host as a module of that name.
TEST_CASE("action table: every controller action of the registry has a row or is an include") {
  for (const auto& entry : Actions()) {
    if (!entry.Has(kControllerAction)) continue;
    CAPTURE(entry.name);
    CHECK((FindControllerAction(entry.name) != nullptr || entry.Has(kInclude)));
  }
}

}  // namespace
}  // namespace tend
