#include "controller/pymodule/python_modules.h"

#include <fmt/format.h>

#include <cstdlib>

#include "controller/pymodule/import_scanner.h"
#include "controller/pymodule/module_args.h"
#include "controller/pymodule/payload.h"
#include "core/hash.h"
#include "modules/framework/registry.h"
#include "modules/python/ansible_module.h"

namespace tend {

void MakePythonCall(const PreparedModule& prepared, Json args, const ModuleRunSettings& settings,
                    const Json& python_interpreter, ModuleCall& call) {
  call.module = std::string(kPythonModuleOp);
  call.args = Json{{"name", settings.module_name},
                   {"payload", prepared.sha256},
                   {"interpreters", InterpreterCandidates(python_interpreter)},
                   {"module_args", AnsibleModuleArgs(std::move(args), settings)}};
  call.content = prepared.payload;
}

std::string ActionPluginMessage(std::string_view name, const std::string& plugin) {
  std::vector<std::string_view> native;
  for (const auto& entry : Actions()) {
    if (entry.Has(kControllerAction) || entry.Has(kControllerHalf)) native.push_back(entry.name);
  }
  return fmt::format(
      "module {} is not native in tend and needs Ansible's action plugin (controller-side Python: "
      "{}), which tend does not run; the action plugins tend implements natively are: {}",
      name, plugin, fmt::join(native, ", "));
}

PythonModules::PythonModules(CodeRoots roots, const CodeTree& tree)
    : roots_(std::move(roots)), tree_(tree) {
  if (!roots_.core.empty()) {
    if (auto release = tree_.Read(roots_.core + "/ansible/release.py")) {
      version_ = AnsibleVersionFromRelease(*release);
    }
  }
}

Expected<std::shared_ptr<const PreparedModule>> PythonModules::Prepare(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto it = prepared_.find(name);
  if (it != prepared_.end()) return it->second;
  auto pack = [&]() -> Expected<std::shared_ptr<const PreparedModule>> {
    auto code = LocateModule(name, roots_, tree_);
    if (!code) return std::unexpected(code.error());
    if (!code->action_plugin.empty()) return Fail(ActionPluginMessage(name, code->action_plugin));
    auto files = CollectModuleFiles(*code, roots_, tree_);
    if (!files) return std::unexpected(files.error());
    size_t count = files->size();
    std::string zip = BuildPayload(code->dotted, std::move(*files));
    std::string sha256 = Sha256Hex(zip);
    return std::make_shared<const PreparedModule>(
        PreparedModule{*code, Content(std::move(zip)), std::move(sha256), count});
  };
  auto result = pack();
  prepared_.emplace(std::string(name), result);
  return result;
}

CodeRoots MachineCodeRoots(const CodeTree& tree, const std::vector<std::string>& collections_path) {
  const char* home_env = std::getenv("HOME");
  std::string home = home_env ? home_env : "";
  std::vector<std::string> path =
      collections_path.empty() ? DefaultCollectionsPath(home) : collections_path;
  return FindCodeRoots(tree, DefaultSitePackages(home), path, home);
}

}  // namespace tend
