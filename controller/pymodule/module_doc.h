#pragma once

// `tend doc`: a module's arguments from tend's native spec, or from the
// DOCUMENTATION block of Ansible's Python code for it.

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/json.h"
#include "modules/framework/spec.h"

namespace tend {

/// The YAML text of `DOCUMENTATION = r'''...'''` (or """) in a module's
/// source, or an error when it has none.
Expected<std::string> DocumentationText(std::string_view source);

/// The arguments as `tend doc` prints them, from DOCUMENTATION parsed to
/// JSON: "> NAME  (path)", the short description, then each option with its
/// type, required/default, choices and description, sorted by name.
std::string FormatDocumentation(const std::string& name, const std::string& path, const Json& doc);

/// The same layout from a native module's spec.
std::string FormatNativeSpec(const ModuleSpec& spec);

}  // namespace tend
