#pragma once

#include <functional>
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

/// Whether Ansible knows `name` (as the task spells it) as a module or
/// action: ansible-core's and the collections' in Debian's `ansible`
/// package, short for ansible.builtin (and its routed old names), dotted
/// for a collection. Written by scripts/gen-ansible-module-names.
bool IsAnsibleModuleName(std::string_view name);

/// Every name IsAnsibleModuleName knows, in the list's order.
const std::vector<std::string_view>& AnsibleModuleNames();

/// The name a task's action is kept under: tend's canonical name for a
/// module or action tend runs (tend's own always win), the name as written
/// for one only Ansible knows (the task fails when it runs on a host), and
/// empty for a name neither knows.
std::string ResolveActionName(std::string_view name);

/// Whether Ansible's code for an FQCN is on this controller: a collection
/// installed on the collections path that Debian's list does not hold.
using ModuleCodeProbe = std::function<bool(std::string_view fqcn)>;

/// ResolveActionName under a `collections:` keyword: a short name is looked
/// up in each listed collection in order (ansible.builtin and
/// ansible.legacy as the short name itself), then as the short name, which
/// Ansible appends as ansible.legacy. FQCNs are not searched. An FQCN
/// neither tend nor the list knows is kept as written when `probe` finds
/// its code.
std::string ResolveActionName(std::string_view name, const std::vector<std::string>& collections,
                              const ModuleCodeProbe& probe = {});

/// `action: "{{ ansible_facts.pkg_mgr }}"`: the module is named at run time.
bool IsTemplatedAction(std::string_view name);

/// Why a task whose module tend does not implement fails on a host when the
/// run has no Ansible Python code to fall back on (tests on fakes).
std::string NotImplementedMessage(std::string_view name);

/// Modules whose free-form text is a command line (`command: ls -l`): the
/// spec says so (ModuleSpec::free_form); the text becomes `_raw_params`.
bool TakesFreeForm(std::string_view name);

/// What an action plugin does to a module's arguments before the module's
/// spec sees them: copy writes a dict or list `content` as json.dumps
/// (`content: "{{ x | to_nice_json }}"` templates to a dict, since Ansible
/// reads a result that looks like a literal back as one).
Json PrepareActionArgs(std::string_view action, Json args);

}  // namespace tend
