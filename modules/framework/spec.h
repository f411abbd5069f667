#pragma once

// Module specs as data: what arguments a module takes and what it returns.
// Both binaries embed them; the controller validates a task's arguments
// before connecting, the agent again before running.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

enum class ArgType { kStr, kInt, kFloat, kBool, kList, kDict, kPath, kRaw };

std::string_view ArgTypeName(ArgType type);

struct ArgSpec {
  std::string name{};
  ArgType type = ArgType::kStr;
  bool required = false;
  /// Filled in when the argument is absent; null means no default.
  Json default_value = nullptr;
  /// Allowed values (compared after type conversion); empty = any.
  std::vector<Json> choices{};
  std::vector<std::string> aliases{};
  /// For kList: the element type (kStr by default).
  ArgType elements = ArgType::kStr;
  /// Secret values (passwords) never appear in error messages.
  bool no_log = false;
};

struct ModuleSpec {
  std::string name{};
  std::string short_description{};
  std::vector<ArgSpec> args{};
  /// Groups of argument names of which at most one may be given.
  std::vector<std::vector<std::string>> mutually_exclusive{};
  /// Groups of argument names of which at least one must be given.
  std::vector<std::vector<std::string>> required_one_of{};
  /// {arg, value, [required args]}: when arg == value, these are required.
  struct RequiredIf {
    std::string arg{};
    Json value{};
    std::vector<std::string> required{};
  };
  std::vector<RequiredIf> required_if{};
  /// Free-form modules take a command line as `_raw_params` (command, shell, raw, script).
  bool free_form = false;
  bool supports_check_mode = true;
  bool supports_diff = false;
  /// Fields the result may carry beyond changed/failed/msg.
  std::vector<std::string> returns{};

  const ArgSpec* FindArg(std::string_view name) const;
};

/// Checks `args` against `spec` and normalises them the way Ansible does:
/// aliases become the canonical name, strings convert to the declared type
/// (bool: yes/no/y/n/true/false/on/off/1/0 in any case; int from decimal
/// strings; list from comma-separated strings), defaults are filled in.
/// Errors name the argument and suggest the closest known name.
Expected<Json> ValidateArgs(const ModuleSpec& spec, const Json& args);

/// Converts one value to a type, as ValidateArgs does; the error has no
/// argument name (callers add it).
Expected<Json> ConvertArg(ArgType type, const Json& value, ArgType elements = ArgType::kStr);

/// Ansible's boolean reading of a value (for modules and conditions).
std::optional<bool> ParseBool(const Json& value);

}  // namespace tend
