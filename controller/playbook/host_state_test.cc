#include "controller/playbook/host_state.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("ansible_search_path: the role's dir, the task file's dir, the playbook's dir") {
  PlayVars play;
  play.magic["playbook_dir"] = "/p";
  HostState host;
  Role role{.name = "r", .path = "/p/roles/r"};
  Task in_role;
  in_role.role = &role;
  in_role.file = "/p/roles/r/tasks/main.yml";
  Task in_play;
  in_play.file = "/p/site.yml";
  Task included;
  included.file = "/p/tasks/more.yml";
  const std::pair<const Task*, Json> cases[] = {
      {&in_role, Json::array({"/p/roles/r", "/p/roles/r/tasks", "/p"})},
      {&in_play, Json::array({"/p"})},  // each directory once
      {&included, Json::array({"/p/tasks", "/p"})},
  };
  for (const auto& [task, expected] : cases) {
    CAPTURE(task->file);
    TaskScope scope(play, host, task, nullptr, nullptr, {});
    const Json* found = scope.Find("ansible_search_path");
    REQUIRE(found != nullptr);
    CHECK(*found == expected);
  }
}

}  // namespace
}  // namespace tend
