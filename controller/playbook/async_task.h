#pragma once

// `async: N` and `poll: P` on a task, as Ansible runs them: the module starts
// as a job on the host (the agent detaches it); with P > 0 the controller
// asks async_status every P seconds until the job finishes or N seconds pass,
// then removes the job file; with P = 0 the task's result is the job's id.

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "controller/playbook/model.h"
#include "controller/playbook/templating.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

struct AsyncSettings {
  int64_t seconds = 0;
  int64_t poll = 10;  // Ansible's default poll interval
};

/// The task's rendered `async` and `poll`, or nothing when it has no `async`
/// (or `async: 0`). Values that are not whole numbers are errors.
Expected<std::optional<AsyncSettings>> AsyncSettingsFor(const Task& task, TaskTemplar& templar);

/// Whether `action` may run as a job: modules the agent runs alone (not the
/// controller actions, not the ones with a controller half such as template,
/// not raw or script), as Ansible's action plugins that support async.
bool SupportsAsync(std::string_view action);

/// Asks `status` (async_status with these args) for the job `jid` every
/// `poll` seconds (through `sleep`) until it has finished or `seconds` have
/// passed; then `status` with mode=cleanup. Returns the job's result, or
/// Ansible's "async task did not complete within the requested time".
Json PollAsyncJob(const AsyncSettings& settings, const std::string& jid,
                  const std::function<Json(const Json& args)>& status,
                  const std::function<void(int64_t seconds)>& sleep);

}  // namespace tend
