#pragma once

// `async: N` on the host: the module runs in a detached process that
// outlives the SSH session and writes its result into the job file
// (modules/system/async_job.h); a watcher kills it after N seconds, as
// Ansible's async_wrapper does.

#include "core/json.h"
#include "modules/framework/module.h"
#include "modules/host/host.h"

namespace tend {

/// Starts `module` with `args` as a job of at most `seconds`; returns the
/// started record (ansible_job_id, results_file, started: 1, finished: 0,
/// changed: true) or a failed result.
Json StartAsyncJob(const Module& module, const Json& args, bool check, int64_t seconds,
                   Host& host);

}  // namespace tend
