#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace tend {

// Every list here derives from the one table in modules/registry.cc.

/// The name tend knows a module or action by: FQCNs of the collections we
/// implement (`ansible.builtin.file`, `community.docker.docker_container`)
/// and Ansible's redirects of old short names resolve to the short name.
/// Anything else comes back unchanged.
std::string CanonicalActionName(std::string_view name);

/// Actions the controller runs itself (debug, set_fact, include_tasks, ...).
bool IsControllerAction(std::string_view name);

/// Whether `name` (canonical) is an include/import of tasks, roles or vars.
bool IsIncludeAction(std::string_view name);

/// Every canonical module and action name a task may use: the agent's
/// modules and the controller's actions, each once.
const std::vector<std::string>& KnownActionNames();

/// Whether `name` (canonical) is a module or action tend can run.
bool IsKnownAction(std::string_view name);

/// Modules whose free-form text is a command line (`command: ls -l`): the
/// spec says so (ModuleSpec::free_form); the text becomes `_raw_params`.
bool TakesFreeForm(std::string_view name);

/// What an action plugin does to a module's arguments before the module's
/// spec sees them: copy writes a dict or list `content` as json.dumps
/// (`content: "{{ x | to_nice_json }}"` templates to a dict, since Ansible
/// reads a result that looks like a literal back as one).
Json PrepareActionArgs(std::string_view action, Json args);

}  // namespace tend
