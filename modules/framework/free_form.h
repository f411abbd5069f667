#pragma once

// The one parser of `k=v` / free-form argument text, shared by playbook tasks
// (`file: path=/x state=directory`, `command: ls creates=/x`), `tend run -a`
// and `tend-agent run`, so the same text means the same arguments everywhere.
// It follows Ansible's split_args and parse_kv (lib/ansible/parsing/splitter.py).

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/framework/spec.h"

namespace tend {

/// Splits argument text the way Ansible's split_args does: on spaces, keeping
/// quoted strings (quotes kept, a backslash-escaped quote does not count) and
/// Jinja2 spans ({{ }}, {% %}, {# #}) whole. A line break outside them ends
/// the word before it and is kept at its end; a lone `\` joins two lines.
/// Unbalanced quotes or Jinja2 spans are an error.
Expected<std::vector<std::string>> SplitArgs(std::string_view text);

/// How the words of argument text become arguments.
struct ArgTextRules {
  /// Command-like modules (command, shell, raw, script): only option keys
  /// (creates, removes, chdir, executable, ... and arguments `spec` declares)
  /// are arguments; every other word, quotes intact, is the command line.
  bool free_form = false;
  /// The module's spec, for the option keys of a free-form module; may be null.
  const ModuleSpec* spec = nullptr;
  /// Words that are not `k=v` join `_raw_params`; when false they are an error.
  bool allow_raw = true;
  /// Applied to unquoted values; null keeps every value a string, as Ansible
  /// does for module arguments (the module's spec converts them).
  Json (*plain_value)(const std::string& text) = nullptr;
};

/// Ansible's parse_kv: `key=value` words become arguments (the key is the text
/// before the first unescaped `=`; Python escapes such as `\n` and `\"` are
/// decoded, then one pair of outer quotes is removed); the other words join
/// `_raw_params` with single spaces.
Expected<Json> ParseArgText(std::string_view text, const ArgTextRules& rules);

/// The rules for a module's argument text, from its spec: free-form when the
/// spec says so, values left as strings for the spec to convert.
ArgTextRules ModuleArgTextRules(std::string_view module);

/// `ParseArgText` with `ModuleArgTextRules(module)`: what `tend run -a`,
/// `tend-agent run` and a playbook task's `module: text` all use. Leftover
/// words of a module that takes no free form land in `_raw_params`, which the
/// module's spec then rejects with a clear message.
Expected<Json> ParseFreeFormArgs(std::string_view module, std::string_view text);

}  // namespace tend
