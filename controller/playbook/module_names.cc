#include "controller/playbook/module_names.h"

#include "controller/template/template.h"
#include "modules/framework/registry.h"

namespace tend {

std::string CanonicalActionName(std::string_view name) { return CanonicalModuleName(name); }

bool IsControllerAction(std::string_view name) {
  const ActionEntry* entry = FindAction(name);
  return entry != nullptr && entry->Has(kControllerAction);
}

bool IsIncludeAction(std::string_view name) {
  const ActionEntry* entry = FindAction(name);
  return entry != nullptr && entry->Has(kInclude);
}

const std::vector<std::string>& KnownActionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& entry : Actions()) out.emplace_back(entry.name);
    return out;
  }();
  return names;
}

bool IsKnownAction(std::string_view name) { return FindAction(name) != nullptr; }

bool TakesFreeForm(std::string_view name) {
  const ModuleSpec* spec = FindModuleSpec(name);
  return spec != nullptr && spec->free_form;
}

Json PrepareActionArgs(std::string_view action, Json args) {
  if (action == "copy" && args.is_object() && args.contains("content") &&
      args["content"].is_structured()) {
    args["content"] = PythonJsonDumps(args["content"]);
  }
  return args;
}

}  // namespace tend
