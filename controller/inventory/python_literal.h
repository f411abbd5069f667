#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Python's ast.literal_eval on an INI value, as Ansible's INI plugin uses it:
/// numbers, quoted strings, True/False/None, lists, tuples and dicts. Nothing
/// when the text is not a literal (the caller then keeps the raw string).
std::optional<Json> PythonLiteral(std::string_view text);

/// shlex.split(line, comments=True) in POSIX mode; errors as Python words them.
Expected<std::vector<std::string>> ShlexSplitIni(std::string_view line);

/// Expands the first-to-last [a:b] / [a:b:step] / [x:z] ranges of an inventory
/// host pattern ("web[01:10].example.com"); a name without ranges is itself.
Expected<std::vector<std::string>> ExpandHostRanges(const std::string& pattern);

/// Splits "host:port" / "[v6]:port" the way Ansible's parse_address does; the
/// port is 0 when none is given.
std::pair<std::string, int> SplitHostPort(const std::string& pattern);

}  // namespace tend
