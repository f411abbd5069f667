#pragma once

#include "controller/playbook/host_worker.h"

namespace tend {

/// The items of a task's `loop` (a list, else an error as Ansible words it)
/// or `with_<lookup>` (what query(lookup, terms) returns).
Expected<Json> LoopItems(const Task& task, TaskTemplar& templar);

/// The variables item `index` of `items` adds: the loop var, index_var, ansible_loop.
Json ItemVars(const Task& task, const Json& items, size_t index);

/// Runs every item, reports each, and sums them up as Ansible's `results`.
TaskOutcome RunLoop(HostWorker& w, const Task& task, const Env& env, const Json& items);

}  // namespace tend
