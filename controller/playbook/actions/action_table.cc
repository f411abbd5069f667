#include "controller/playbook/actions/action_table.h"

#include <algorithm>

namespace tend {
namespace {

Json RunImportPlaybook(const ActionCall&) {
  return FailResult("import_playbook is only valid at play level");
}

}  // namespace

const std::vector<ControllerAction>& ControllerActions() {
  static const std::vector<ControllerAction> kTable = {
      {"debug", RunDebug, "var"},
      {"set_fact", RunSetFact, ""},
      {"assert", RunAssert, "that"},
      {"fail", RunFail, ""},
      {"meta", RunMeta, ""},
      {"pause", RunPause, ""},
      {"add_host", RunAddHost, ""},
      {"group_by", RunGroupBy, ""},
      {"include_vars", RunIncludeVars, ""},
      {"set_stats", RunSetStats, ""},
      {"import_playbook", RunImportPlaybook, ""},
  };
  return kTable;
}

const ControllerAction* FindControllerAction(std::string_view name) {
  const auto& table = ControllerActions();
  auto it = std::find_if(table.begin(), table.end(),
                         [&](const ControllerAction& a) { return a.name == name; });
  return it == table.end() ? nullptr : &*it;
}

std::vector<std::string> ControllerActionNames() {
  std::vector<std::string> names;
  for (const auto& action : ControllerActions()) names.emplace_back(action.name);
  return names;
}

}  // namespace tend
