#pragma once

#include <string>

#include "controller/playbook/host_worker.h"

namespace tend {

/// One task on one host: its loop or its single run, reported and registered.
TaskOutcome RunTask(HostWorker& w, const Task& task, const Env& env);

/// One run of a task (or of one loop item): `when`, the action with
/// until/retries, then changed_when and failed_when.
TaskOutcome RunItem(HostWorker& w, const Task& task, const Env& env, const Json* item_vars);

/// Prints a task's (or an item's) result and, for a task, the status line.
void Report(HostWorker& w, const Task& task, TaskOutcome& out, bool is_item,
            const std::string& label);

/// Whether ignore_errors / ignore_unreachable covers `status`.
bool IgnoredFor(HostWorker& w, const Task& task, const Env& env, ResultStatus status);

}  // namespace tend
