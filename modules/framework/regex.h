#pragma once

// The modules' regular expressions: Python `re` patterns on core/regex.h,
// compiled with re.MULTILINE as replace and wait_for do (the line editors
// match one line at a time, where it makes no difference).

#include <string_view>

#include "core/error.h"
#include "core/regex.h"

namespace tend {

/// Compiles the pattern given in module argument `argument`; a bad one is
/// "ARGUMENT is not a valid regular expression: PATTERN: REASON".
/// `flags` for a module whose Python compiles without re.MULTILINE (find).
Expected<Regex> CompilePythonRegex(std::string_view pattern, std::string_view argument,
                                   RegexFlags flags = {.multiline = true});

}  // namespace tend
