#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/module.h"
#include "modules/spec.h"

namespace tend {

/// Names of the modules the agent implements, in registration order.
std::vector<std::string> ModuleNames();

/// The module called `name` (short or FQCN: "ansible.builtin.copy",
/// "community.general.modprobe"), or null.
const Module* FindModule(std::string_view name);
const ModuleSpec* FindModuleSpec(std::string_view name);

/// The short name for an FQCN or redirected name; unchanged when unknown.
std::string CanonicalModuleName(std::string_view name);

/// Validates a task's arguments before connecting (ValidateArgs with the
/// module's spec). An unknown module is an error with a "did you mean".
Expected<Json> ValidateModuleArgs(std::string_view module, const Json& args);

}  // namespace tend
