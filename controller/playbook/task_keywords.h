#pragma once

// The keywords a play, a block and a task accept, and how their values are
// normalised into the model (conditions, tags, loops, lists).

#include <string>
#include <string_view>
#include <vector>

#include "controller/playbook/model.h"
#include "controller/playbook/yaml_source.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

const std::vector<std::string>& PlayKeywords();
const std::vector<std::string>& BlockKeywords();
const std::vector<std::string>& TaskKeywords();
bool IsTaskKeyword(std::string_view key);

/// Keywords of a `roles:` entry that belong to the role's tasks, not to its params.
bool IsRoleEntryKeyword(std::string_view key);

/// Fails on the first key of `mapping` not in `known`, with a "did you mean":
/// "unknown {what} keyword 'x', did you mean 'y'?".
Expected<void> CheckKeywords(const YamlSource& src, const Json& mapping, const std::string& ptr,
                             const std::vector<std::string>& known, std::string_view what);

/// with_<name> loops: the executor's own (items, flattened) and every lookup.
std::vector<std::string> LoopNames();
bool IsKnownLoop(const std::string& kind);

/// `when:` / `changed_when:` ... as the expression texts Jinja reads (a list ANDs).
std::vector<std::string> Conditions(const Json& value);

/// A play-level flag (`any_errors_fatal: yes`) as a boolean.
bool ResolveBool(const Json& value);

/// Reads every keyword of a task except its action into `task`. `handler`
/// allows `listen`.
Expected<void> ReadTaskKeywords(const YamlSource& src, const Json& t, const std::string& ptr,
                                bool handler, Task& task);

}  // namespace tend
