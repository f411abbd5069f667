#pragma once

// Python-flavoured regular expressions on std::regex (ECMAScript, multiline),
// for lineinfile, blockinfile and replace.

#include <regex>
#include <string>
#include <string_view>

#include "core/error.h"

namespace tend {

/// Compiles a Python `re` pattern; `(?P<name>` groups become plain groups and
/// \A / \Z anchors become ^ / $ (close enough for line-oriented use).
Expected<std::regex> CompilePythonRegex(std::string_view pattern, std::string_view argument);

/// Python's Match.expand(): \1, \g<1> and the escapes \n \t \\ in `templ`.
std::string ExpandMatch(const std::smatch& match, std::string_view templ);

}  // namespace tend
