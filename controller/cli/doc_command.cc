// `tend doc`: which modules tend resolves and how (native, Ansible's Python
// code found on this machine, or unavailable), and one module's arguments
// (like ansible-doc).
#include <fmt/format.h>

#include <memory>
#include <string>

#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "controller/config/ansible_config.h"
#include "controller/playbook/module_names.h"
#include "controller/pymodule/module_doc.h"
#include "controller/pymodule/python_modules.h"
#include "controller/yaml/yaml.h"
#include "core/suggest.h"
#include "modules/framework/registry.h"

namespace tend {
namespace {

struct DocFlags {
  bool list = false;
  std::string module;
};

// "python PATH", or "unavailable (why)".
std::string PythonStatus(const PythonModules& modules, std::string_view name) {
  auto code = modules.Locate(name);
  if (!code) return "unavailable (Ansible's code was not found)";
  if (!code->action_plugin.empty()) return "unavailable (action plugin: " + code->action_plugin + ")";
  return "python " + code->path;
}

int ListModules() {
  auto modules = MachinePythonModules();
  for (const auto& entry : Actions()) fmt::print("{:<50} native\n", entry.name);
  for (std::string_view name : AnsibleModuleNames()) {
    if (IsKnownAction(CanonicalActionName(name))) continue;
    fmt::print("{:<50} {}\n", name, PythonStatus(*modules, name));
  }
  return kExitOk;
}

int ShowModule(const std::string& name) {
  std::string canonical = CanonicalActionName(name);
  if (const ModuleSpec* spec = FindModuleSpec(canonical)) {
    fmt::print("{}", FormatNativeSpec(*spec));
    return kExitOk;
  }
  if (IsKnownAction(canonical)) {
    fmt::print("> {}  (native in tend: an action the controller runs)\n", canonical);
    return kExitOk;
  }
  auto modules = MachinePythonModules();
  auto code = modules->Locate(name);
  if (!code && !IsAnsibleModuleName(name)) {
    fmt::print(stderr, "ERROR! unknown module '{}'{}\n", name,
               SuggestionSuffix(canonical, KnownActionNames()));
    return kExitError;
  }
  if (!code) {
    fmt::print(stderr, "ERROR! {}\n", code.error().message);
    return kExitError;
  }
  auto source = MachineCodeTree().Read(code->path);
  auto text = source ? DocumentationText(*source) : Expected<std::string>(Fail("cannot read " + code->path));
  if (!text) {
    fmt::print(stderr, "ERROR! {}: {}\n", code->path, text.error().message);
    return kExitError;
  }
  auto doc = ParseYaml(*text, code->path + " DOCUMENTATION");
  if (!doc || !doc->is_object()) {
    fmt::print(stderr, "ERROR! {}: DOCUMENTATION is not a YAML mapping\n", code->path);
    return kExitError;
  }
  fmt::print("{}", FormatDocumentation(code->fqcn, code->path, *doc));
  if (!code->action_plugin.empty()) {
    fmt::print("\nNote: {}\n", ActionPluginMessage(name, code->action_plugin));
  }
  return kExitOk;
}

}  // namespace

CommandRunner SetupDocCommand(CLI::App& sub) {
  auto flags = std::make_shared<DocFlags>();
  sub.add_flag("-l,--list", flags->list,
               "List every module name tend resolves: native, python (Ansible's code, with its "
               "path) or unavailable");
  sub.add_option("module", flags->module, "The module whose arguments to show");
  return [flags]() -> int {
    if (flags->list) return ListModules();
    if (flags->module.empty()) {
      fmt::print(stderr, "ERROR! name a module, or use --list\n");
      return kExitBadOptions;
    }
    return ShowModule(flags->module);
  };
}

}  // namespace tend
