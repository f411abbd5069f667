#pragma once

// A task's `environment:` keyword on its way to the agent. It travels in the
// run request's args under a reserved key, as the `_content` descriptor
// does; the agent takes it out before the module's arguments are checked and
// sets it for that request alone.

#include <map>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/json.h"

namespace tend {

inline constexpr std::string_view kEnvironmentArg = "_environment";

using TaskEnvironment = std::map<std::string, std::string>;

/// Adds `environment` to a run request's args (nothing when it is empty).
void PutEnvironment(Json& args, const TaskEnvironment& environment);

/// Removes the environment from `args` and returns it; an error when it is
/// not an object of strings.
Expected<TaskEnvironment> TakeEnvironment(Json& args);

}  // namespace tend
