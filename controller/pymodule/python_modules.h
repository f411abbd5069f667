#pragma once

// The modules a run sends as Ansible's Python code: located, packed and
// hashed once per run (every host of a play shares the bytes), on demand.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "controller/connection/module_call.h"
#include "controller/pymodule/code_tree.h"
#include "controller/pymodule/module_args.h"
#include "controller/pymodule/module_locator.h"
#include "core/error.h"

namespace tend {

struct PreparedModule {
  ModuleCode code;
  Content payload;
  std::string sha256;
  size_t files = 0;  // in the payload, for -vvv
};

/// Thread-safe: host workers prepare the same module concurrently.
class PythonModules {
 public:
  PythonModules(CodeRoots roots, const CodeTree& tree);

  /// The packed module `name` (as a task names it), or why it cannot be.
  Expected<std::shared_ptr<const PreparedModule>> Prepare(std::string_view name);
  /// Where `name`'s code is, without packing it.
  Expected<ModuleCode> Locate(std::string_view name) const { return LocateModule(name, roots_, tree_); }
  /// The ansible-core version the code comes from ("" when none was found).
  const std::string& ansible_version() const { return version_; }
  const CodeRoots& roots() const { return roots_; }

 private:
  CodeRoots roots_;
  const CodeTree& tree_;
  std::string version_;
  std::mutex mutex_;
  std::map<std::string, Expected<std::shared_ptr<const PreparedModule>>, std::less<>> prepared_;
};

/// Makes `call` the agent request that runs `prepared`: `args` with the
/// `_ansible_*` settings, the interpreters to try (`python_interpreter` is
/// the host's ansible_python_interpreter, or null) and the payload as the
/// content the agent asks for when its cache lacks it. `tend play` and
/// `tend run` both send it.
void MakePythonCall(const PreparedModule& prepared, Json args, const ModuleRunSettings& settings,
                    const Json& python_interpreter, ModuleCall& call);

/// Why a module with an action plugin (controller-side Python) is not run,
/// with the action plugins tend implements natively.
std::string ActionPluginMessage(std::string_view name, const std::string& plugin);

/// The code roots of this machine: the collections path from ansible.cfg or
/// the environment (empty: Ansible's default), the user's home.
CodeRoots MachineCodeRoots(const CodeTree& tree, const std::vector<std::string>& collections_path);

}  // namespace tend
