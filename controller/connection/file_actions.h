#pragma once

// The controller halves of the file actions whose source or result lives on
// the controller, as Ansible's action plugins do them: `fetch` (a remote file
// written under a local tree), `copy` of a local directory tree (one agent
// call per directory and file), and reading local sources for copy and
// unarchive. The agent side is the ordinary modules (stat, slurp, file, copy).

#include <functional>
#include <string>

#include "controller/connection/module_call.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Runs one module on the task's host (the executor's session, forks gate and
/// become settings); failures come back as failed or unreachable results.
using AgentCall = std::function<Json(const ModuleCall& call)>;

/// Where an action runs from: the host's inventory name (fetch's per-host
/// directory), the directory relative fetch destinations start from, and how
/// a local `src` is found (role files/, the playbook's directory; the working
/// directory for `tend run`). `find_local` returns "" when nothing is there.
struct ActionPlace {
  std::string inventory_hostname;
  std::string base_dir;
  std::function<std::string(const std::string& name)> find_local;
};

/// Runs `call` (validated arguments) with its controller half when it has
/// one — fetch, copy and unarchive of a local src (file or tree), assemble
/// with remote_src false — and as one agent call otherwise.
Json RunWithControllerHalf(ModuleCall call, const ActionPlace& place, const AgentCall& agent);

/// The whole content of a local file, or an error naming it.
Expected<std::string> ReadLocalFile(const std::string& path);

/// ReadLocalFile, hashed, and shared by every caller while the file's size
/// and mtime stay the same (the hosts of a play copying the same file).
Expected<Content> ReadLocalContent(const std::string& path);

/// The local path `fetch` writes for `src` (Ansible's flat and per-host rules;
/// a relative dest starts at place.base_dir).
std::string FetchDestination(const std::string& src, const std::string& dest, bool flat,
                             const ActionPlace& place);

/// ansible.builtin.fetch: stat (checksum) on the host, compare with the local
/// copy, slurp only when they differ, verify and write atomically. `base`
/// carries check/diff/become; check mode writes nothing.
Json RunFetch(const Json& args, const ActionPlace& place, const ModuleCall& base,
              const AgentCall& agent);

/// copy with a local directory `local_dir` as src: `src_arg` ending in "/"
/// copies the directory's content into dest, otherwise the directory itself.
/// Directories go through `file` (directory_mode), files through `copy` with
/// the task's other arguments; the result is changed when any call changed.
Json RunCopyTree(const std::string& local_dir, const Json& args, const ModuleCall& base,
                 const AgentCall& agent);

}  // namespace tend
