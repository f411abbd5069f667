#pragma once

// How a play, a `roles:` entry, an import or a block hands its keywords down
// to the tasks inside it, as Ansible's keyword inheritance does.

#include <vector>

#include "controller/playbook/model.h"
#include "core/json.h"

namespace tend {

/// Pushes `parent`'s keywords down to `child` and its nested tasks:
/// conditions AND, tags union, vars merge (child wins), other keywords fill
/// in where the child has none.
void Inherit(const Task& parent, Task& child);

/// A task that carries the keywords of `entry` that pass down as values
/// (become, check_mode, environment, ...; module_defaults; notify): a play's.
Task KeywordsFrom(const Json& entry);

/// A task that carries the inheritable keywords of a `roles:` entry, an
/// import or a block (`when`, `tags`, `vars`, `become`, ...).
Task InheritedFrom(const Json& entry);

/// Marks `tasks` and everything nested in them as coming from `role`.
void SetRole(std::vector<Task>& tasks, const Role* role);

}  // namespace tend
