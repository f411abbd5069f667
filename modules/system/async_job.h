#pragma once

// Async tasks (`async: N`), as Ansible keeps them: each job has a file
// ~/.ansible_async/<jid> on the host that holds {"started": 1, "finished": 0}
// while the module runs and the module's result once it is done. The agent
// starts jobs (agent/async_start.*); async_status reads and removes the files.

#include <string>

#include "core/error.h"
#include "core/json.h"
#include "modules/host/host.h"

namespace tend {

/// $ANSIBLE_ASYNC_DIR, else ~/.ansible_async, as Ansible's async_dir.
std::string AsyncDir(Host& host);

/// The record a job's file holds until its module finishes; the agent's
/// reply to the task that started it adds `changed: true` (Ansible's poll-0 result).
Json AsyncStartedRecord(const std::string& jid, const std::string& results_file);

/// Writes `record` as the job file `path` (atomically: async_status never reads half).
Expected<void> WriteAsyncJob(Host& host, const std::string& path, const Json& record);

/// What async_status reports for the job file's text (Ansible's rules): a
/// file without "started" is a finished result.
Json AsyncStatusOf(const std::string& jid, const std::string& path, const std::string& text);

}  // namespace tend
