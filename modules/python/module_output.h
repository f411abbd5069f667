#pragma once

// What a Python module printed, read back as Ansible's action plugin reads
// it (_parse_returned_data): the JSON object between any noise a login
// script or the interpreter wrote, or Ansible's MODULE FAILURE result.

#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"

namespace tend {

/// The JSON object in `stdout_text`: from the first line that starts with
/// `{` to the last line that ends with `}`. `noise` gets Ansible's warnings
/// for what came before and after it. Empty when there is no such object.
std::string FilterNonJsonLines(std::string_view stdout_text, std::vector<std::string>& noise);

/// The module's result: its JSON object, or (rc, stdout, stderr) as
/// Ansible's "MODULE FAILURE" when it printed none. `interpreter` words the
/// hint when the interpreter itself could not start.
Json ParseModuleOutput(int rc, std::string_view stdout_text, std::string_view stderr_text,
                       std::string_view interpreter);

}  // namespace tend
