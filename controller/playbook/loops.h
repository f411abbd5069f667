#pragma once

#include "controller/playbook/host_worker.h"

namespace tend {

/// The items of a task's `loop` (a list, else an error as Ansible words it)
/// or `with_<lookup>` (what query(lookup, terms) returns).
Expected<Json> LoopItems(const Task& task, TaskTemplar& templar);

/// loop_control's loop_var and index_var, rendered for this host when they
/// are templates (as Ansible's post_validate renders them); absent ones are left out.
Json LoopNames(HostWorker& w, const Task& task, const Env& env);

/// The variables item `index` of `items` adds: the loop var and index_var
/// `names` gives (LoopNames), ansible_loop when loop_control asks for it.
Json ItemVars(const Task& task, const Json& names, const Json& items, size_t index);

/// Runs every item, reports each, and sums them up as Ansible's `results`.
TaskOutcome RunLoop(HostWorker& w, const Task& task, const Env& env, const Json& items);

}  // namespace tend
