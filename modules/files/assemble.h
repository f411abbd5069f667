#pragma once

// assemble's fragment joining, shared with the controller: with remote_src
// false the controller joins the fragments of a local directory itself (as
// Ansible's assemble action does) and sends the result as content.

#include <string>

#include "core/error.h"
#include "core/json.h"
#include "modules/host/host.h"

namespace tend {

/// Joins the fragments in directory `src` of `host` by Ansible's rules, with
/// the task's (validated) delimiter, regexp and ignore_hidden arguments.
Expected<std::string> AssembleFromFragments(Host& host, const std::string& src, const Json& args);

}  // namespace tend
