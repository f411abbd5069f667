#include "controller/playbook/module_names.h"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_set>

#include "controller/playbook/ansible_module_names.h"
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

const std::vector<std::string_view>& AnsibleModuleNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    std::string_view text = kAnsibleModuleNames;
    while (!text.empty()) {
      size_t end = text.find('\n');
      if (end == std::string_view::npos) end = text.size();
      if (end > 0) out.push_back(text.substr(0, end));
      text.remove_prefix(std::min(end + 1, text.size()));
    }
    return out;
  }();
  return names;
}

bool IsAnsibleModuleName(std::string_view name) {
  static const std::unordered_set<std::string_view> names(AnsibleModuleNames().begin(),
                                                           AnsibleModuleNames().end());
  if (names.contains(name)) return true;
  for (std::string_view prefix : {"ansible.builtin.", "ansible.legacy."}) {
    if (name.starts_with(prefix) && names.contains(name.substr(prefix.size()))) return true;
  }
  return false;
}

std::string ResolveActionName(std::string_view name) {
  std::string canonical = CanonicalActionName(name);
  if (IsKnownAction(canonical)) return canonical;
  return IsAnsibleModuleName(name) ? std::string(name) : std::string();
}

std::string ResolveActionName(std::string_view name, const std::vector<std::string>& collections,
                              const ModuleCodeProbe& probe) {
  auto resolve = [&](std::string_view candidate) {
    std::string found = ResolveActionName(candidate);
    bool fqcn = std::count(candidate.begin(), candidate.end(), '.') >= 2;
    if (found.empty() && fqcn && probe && probe(candidate)) found = candidate;
    return found;
  };
  if (name.find('.') == std::string_view::npos) {
    for (const auto& collection : collections) {
      bool builtin = collection == "ansible.builtin" || collection == "ansible.legacy";
      std::string found = resolve(builtin ? std::string(name) : collection + "." + std::string(name));
      if (!found.empty()) return found;
    }
  }
  return resolve(name);
}

bool IsTemplatedAction(std::string_view name) { return name.find("{{") != std::string_view::npos; }

std::string NotImplementedMessage(std::string_view name) {
  return fmt::format(
      "module '{}' is not implemented natively by tend (Ansible provides it, and this run "
      "has no access to Ansible's Python code): skip this task on this host with `when:`, or "
      "use a module tend implements (docs/ansible-compat.md lists them)",
      name);
}

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
