#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Splits a command line the way Ansible's split_args does: on whitespace,
/// keeping quoted strings and Jinja2 blocks ({{ }}, {% %}, {# #}) whole, with
/// their quotes kept. Unbalanced quotes or blocks are an error.
Expected<std::vector<std::string>> SplitArgs(std::string_view text);

/// Parses legacy `k=v k2='v w' rest` arguments (`tend run -a`, `file: path=/x
/// state=directory`, `command: ls creates=/x`). Values lose their outer quotes
/// and stay strings (ValidateModuleArgs converts types). For a free-form module
/// (command, shell, raw, script) only the module's own argument names are
/// taken as k=v; everything else, quotes intact, joins into `_raw_params`.
/// Other modules get leftover words in `_raw_params` too, which validation
/// then rejects with a clear message.
Expected<Json> ParseFreeFormArgs(std::string_view module, std::string_view text);

}  // namespace tend
