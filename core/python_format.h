#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/json.h"

// Python's own text for a JSON-like value, one implementation for every place that
// shows values the way Ansible (a Python program) would: the reporter, Jinja2
// output, filters such as to_json, inventory listings and module messages.

namespace tend {

/// repr(float): the shortest text that reads back as the same double, positional
/// between 1e-4 and 1e16 and scientific outside ("1.0", "1e+16", "1e-05"), and
/// "inf", "-inf", "nan".
std::string PythonFloatRepr(double d);

/// repr(value): {'a': [1, 2.0, True, None]}, strings quoted and escaped as Python does.
std::string PythonRepr(const Json& value);
void AppendPythonRepr(const Json& value, std::string& out);

/// str(value): a string as is, everything else as repr() prints it.
std::string PythonStr(const Json& value);
void AppendPythonStr(const Json& value, std::string& out);

/// The keyword arguments of json.dumps that callers use.
struct JsonDumpsOptions {
  /// None (nothing) keeps one line; n >= 0 puts each item on its own line,
  /// indented n spaces per level (0: new lines, no indentation), as Python does.
  std::optional<int> indent;
  bool sort_keys = false;
  bool ensure_ascii = true;
  /// json.dumps' `separators`; nothing is Python's default: ", " when indent is
  /// None, "," otherwise.
  std::optional<std::string> item_separator;
  std::string key_separator = ": ";
};

/// json.dumps(value, ...): "NaN"/"Infinity" for non-finite floats, floats as repr().
std::string PythonJsonDumps(const Json& value, const JsonDumpsOptions& options = {});

}  // namespace tend
