#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "controller/playbook/host_worker.h"

namespace tend {

/// One run of a controller action on one host.
struct ActionCall {
  HostWorker& worker;
  const Task& task;
  TaskTemplar& templar;
  const Json& args;  // rendered, except the action's raw argument
};

using ActionHandler = Json (*)(const ActionCall& call);

/// An action the controller runs itself instead of sending a module.
struct ControllerAction {
  std::string_view name;
  ActionHandler run;
  /// An argument passed to the action unrendered (assert's `that`, debug's
  /// `var` are expressions the action evaluates itself); empty for none.
  std::string_view raw_arg;
};

/// The dispatch table, one row per action (actions/*.cc hold the handlers).
/// include_tasks and include_role run in includes.cc, gather_facts and setup
/// in gather_facts.cc, since they change what the host runs next.
const std::vector<ControllerAction>& ControllerActions();

/// The row for `name` (canonical), or null for a module.
const ControllerAction* FindControllerAction(std::string_view name);

/// The table's names, in table order.
std::vector<std::string> ControllerActionNames();

// The handlers, by family.
Json RunDebug(const ActionCall& call);       // debug_actions.cc
Json RunAssert(const ActionCall& call);      // debug_actions.cc
Json RunFail(const ActionCall& call);        // debug_actions.cc
Json RunSetFact(const ActionCall& call);     // debug_actions.cc
Json RunSetStats(const ActionCall& call);    // debug_actions.cc
Json RunMeta(const ActionCall& call);        // meta_actions.cc
Json RunPause(const ActionCall& call);       // meta_actions.cc
Json RunAddHost(const ActionCall& call);     // inventory_actions.cc
Json RunGroupBy(const ActionCall& call);     // inventory_actions.cc
Json RunIncludeVars(const ActionCall& call);  // include_vars_action.cc

}  // namespace tend
