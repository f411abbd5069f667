#pragma once

// The agent's half of running Ansible's own Python code for a module tend has
// no native implementation of (issue 19). The controller packs the module and
// the module_utils it imports into a zip (controller/pymodule/payload.h); the
// agent keeps it in its cache under its SHA-256, so a second run sends
// nothing, and runs it with the host's Python, Ansible's module arguments on
// stdin, as AnsiballZ does with pipelining.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/framework/module.h"

namespace tend {

/// The request op (module name) the controller sends; it is not in the
/// registry, so no task can name it.
inline constexpr std::string_view kPythonModuleOp = "tend.python_module";

/// The arguments: `name` (the task's module, for messages), `payload` (the
/// zip's SHA-256), `interpreters` (candidates, in order) and `module_args`
/// (ANSIBLE_MODULE_ARGS with the `_ansible_*` settings), plus `_content`.
const ModuleSpec& PythonModuleSpec();
Expected<Json> RunPythonModule(ModuleContext& context);
/// For `async:`: a Python found and the payload cached and unpacked while
/// the controller is still there to send it, so the detached job (which has
/// no channel to the controller) runs it from the cache. An error says why
/// the job cannot start.
Expected<void> StagePythonModule(ModuleContext& context);
const Module& PythonModule();

/// The first candidate that is an executable file: absolute paths as they
/// are, bare names searched in `path` (PATH's value).
std::optional<std::string> FindInterpreter(Host& host, const std::vector<std::string>& candidates,
                                           std::string_view path);

/// Where payloads are cached: beside the agent, under the user's HOME.
std::string PayloadCacheDir(Host& host);

struct ZipEntry {
  std::string name;
  std::string content;
};

/// The entries of a zip whose entries are stored (the controller's payload:
/// controller/pymodule/payload.h); an error for anything else, or for a name
/// that would leave the directory it is extracted to.
Expected<std::vector<ZipEntry>> ReadStoredZip(std::string_view zip);

}  // namespace tend
