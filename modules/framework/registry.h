#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/framework/module.h"
#include "modules/framework/spec.h"

namespace tend {

/// What tend does with a name a task may use. A name can be several: copy
/// and template have a controller half (a local source, rendering) before
/// the agent runs the module of the same name.
enum ActionRole : unsigned {
  /// The agent runs the Module in the entry.
  kAgentModule = 1U << 0,
  /// The controller runs it without calling a module of that name
  /// (debug, set_fact, the includes, gather_facts).
  kControllerAction = 1U << 1,
  /// The controller does part of the work, then calls the agent (copy with
  /// a local src, template, fetch through stat and slurp).
  kControllerHalf = 1U << 2,
  /// Includes or imports tasks, roles, vars or a playbook.
  kInclude = 1U << 3,
};

/// One name tend knows, once, with what runs it.
struct ActionEntry {
  std::string_view name;
  unsigned roles = 0;
  /// Set exactly when `roles` has kAgentModule.
  Module module{};

  bool Has(ActionRole role) const { return (roles & role) != 0; }
};

/// The single list of native modules and controller actions; every other
/// list of names (the agent's modules, the loader's known actions) derives
/// from it.
std::span<const ActionEntry> Actions();

/// The entry for a canonical name, or null.
const ActionEntry* FindAction(std::string_view canonical);

/// Names of the modules the agent implements, in registration order.
std::vector<std::string> ModuleNames();

/// The module called `name` (short or FQCN: "ansible.builtin.copy",
/// "community.general.modprobe"), or null.
const Module* FindModule(std::string_view name);
const ModuleSpec* FindModuleSpec(std::string_view name);

/// The short name for an FQCN of a collection tend implements
/// (`ansible.builtin.file`, `community.docker.docker_container`), after
/// Ansible's redirects of old names (`include` is `include_tasks`);
/// unchanged when unknown.
std::string CanonicalModuleName(std::string_view name);

/// Validates a task's arguments before connecting (ValidateArgs with the
/// module's spec). An unknown module is an error with a "did you mean".
Expected<Json> ValidateModuleArgs(std::string_view module, const Json& args);

}  // namespace tend
