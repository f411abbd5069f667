#include "modules/framework/spec.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "core/strings.h"
#include "core/python_format.h"
#include "core/suggest.h"

namespace tend {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}


// How Ansible prints a value in errors: strings bare, everything else as JSON.
std::string Show(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

std::string PythonTypeName(const Json& value) {
  if (value.is_string()) return "str";
  if (value.is_boolean()) return "bool";
  if (value.is_number_integer()) return "int";
  if (value.is_number_float()) return "float";
  if (value.is_array()) return "list";
  if (value.is_object()) return "dict";
  return "NoneType";
}

Expected<Json> ToInt(const Json& value) {
  if (value.is_number_integer()) return value;
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return Json(static_cast<int64_t>(d));
  }
  if (value.is_string()) {
    std::string_view s = Trim(value.get_ref<const std::string&>());
    int64_t n = 0;
    auto begin = s.data() + (s.starts_with('+') ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return Json(n);
  }
  return Fail(
      fmt::format("{} '{}' cannot be converted to an int", PythonTypeName(value), Show(value)));
}

Expected<Json> ToFloat(const Json& value) {
  if (value.is_number()) return Json(value.get<double>());
  if (value.is_string()) {
    std::string s(Trim(value.get_ref<const std::string&>()));
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && end == s.c_str() + s.size()) return Json(d);
  }
  return Fail(
      fmt::format("{} '{}' cannot be converted to a float", PythonTypeName(value), Show(value)));
}

Expected<Json> ToList(const Json& value, ArgType elements) {
  Json items = Json::array();
  if (value.is_array()) {
    items = value;
  } else if (value.is_string()) {
    // Ansible splits "a,b,c" on commas; an empty string is an empty list.
    std::string_view s = value.get_ref<const std::string&>();
    if (!Trim(s).empty()) {
      size_t start = 0;
      while (true) {
        size_t comma = s.find(',', start);
        items.push_back(std::string(Trim(s.substr(start, comma - start))));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
    }
  } else if (value.is_number() || value.is_boolean()) {
    items.push_back(value);
  } else {
    return Fail(fmt::format("{} cannot be converted to a list", PythonTypeName(value)));
  }
  if (elements == ArgType::kRaw) return items;
  Json out = Json::array();
  for (const auto& item : items) {
    auto converted = ConvertArg(elements, item);
    if (!converted) return Fail("element " + converted.error().message);
    out.push_back(*converted);
  }
  return out;
}

// "k=v k2=v2" or "k=v, k2=v2" or a JSON object in a string.
Expected<Json> ToDict(const Json& value) {
  if (value.is_object()) return value;
  if (value.is_string()) {
    std::string_view s = Trim(value.get_ref<const std::string&>());
    if (s.starts_with('{')) {
      Json parsed = Json::parse(s, nullptr, false);
      if (!parsed.is_discarded() && parsed.is_object()) return parsed;
    }
    Json out = Json::object();
    size_t i = 0;
    while (i < s.size()) {
      size_t end = s.find_first_of(", ", i);
      if (end == std::string_view::npos) end = s.size();
      std::string_view pair = s.substr(i, end - i);
      i = end + 1;
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) {
        return Fail(fmt::format("str '{}' cannot be converted to a dict", s));
      }
      out[std::string(pair.substr(0, eq))] = std::string(pair.substr(eq + 1));
    }
    return out;
  }
  return Fail(fmt::format("{} cannot be converted to a dict", PythonTypeName(value)));
}

// Arguments the controller adds (`_content`, Ansible's `_ansible_*`) pass
// through validation untouched; `_raw_params` is a real argument.
bool IsInternal(std::string_view key) { return key.starts_with('_') && key != "_raw_params"; }

std::vector<std::string> AllNames(const ModuleSpec& spec) {
  std::vector<std::string> names;
  for (const auto& arg : spec.args) {
    names.push_back(arg.name);
    names.insert(names.end(), arg.aliases.begin(), arg.aliases.end());
  }
  return names;
}

std::string JoinNames(const std::vector<std::string>& names, std::string_view sep) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += sep;
    out += n;
  }
  return out;
}

// Moves aliases onto canonical names and rejects unknown names.
Expected<Json> Canonicalise(const ModuleSpec& spec, const Json& args) {
  Json out = Json::object();
  std::vector<std::string> names = AllNames(spec);
  for (const auto& [key, value] : args.items()) {
    if (value.is_null()) continue;  // None means "not given", as in Ansible
    const ArgSpec* arg = spec.FindArg(key);
    if (!arg && IsInternal(key)) continue;
    if (!arg) {
      if (key == "_raw_params" && !spec.free_form) {
        return Fail(fmt::format("module '{}' takes no free-form arguments, got '{}'", spec.name,
                                Show(value)));
      }
      return Fail(fmt::format("unsupported parameter '{}' for module '{}'{}", key, spec.name,
                              SuggestionSuffix(key, names)));
    }
    if (out.contains(arg->name) && out[arg->name] != value) {
      return Fail(fmt::format("argument '{}' is given twice (also as alias '{}')", arg->name,
                              key == arg->name ? "" : key));
    }
    out[arg->name] = value;
  }
  return out;
}

Expected<void> CheckChoice(const ArgSpec& arg, const Json& value) {
  if (arg.choices.empty()) return {};
  auto allowed = [&](const Json& v) {
    return std::find(arg.choices.begin(), arg.choices.end(), v) != arg.choices.end();
  };
  std::vector<std::string> shown;
  for (const auto& c : arg.choices) shown.push_back(PythonStr(c));
  const Json& values = value.is_array() ? value : Json::array({value});
  for (const auto& v : values) {
    if (allowed(v)) continue;
    return Fail(fmt::format("value of {} must be one of: {}, got: {}{}", arg.name,
                            JoinNames(shown, ", "), PythonStr(v),
                            SuggestionSuffix(PythonStr(v), shown)));
  }
  return {};
}

// Arguments reach the agent validated once already, defaults filled in; a
// value equal to its default cannot tell "given" from "filled", so it does
// not count against a mutually exclusive partner.
bool GivenBeyondDefault(const ModuleSpec& spec, const Json& given, const std::string& name) {
  auto it = given.find(name);
  if (it == given.end() || it->is_null()) return false;
  const ArgSpec* arg = spec.FindArg(name);
  return arg == nullptr || arg->default_value.is_null() || *it != arg->default_value;
}

// Checked on the arguments as given, before defaults (as Ansible does).
Expected<void> CheckExclusive(const ModuleSpec& spec, const Json& given) {
  for (const auto& group : spec.mutually_exclusive) {
    std::vector<std::string> present;
    for (const auto& n : group) {
      if (GivenBeyondDefault(spec, given, n)) present.push_back(n);
    }
    if (present.size() > 1) {
      return Fail("parameters are mutually exclusive: " + JoinNames(present, "|"));
    }
  }
  return {};
}

// Checked after defaults are filled in, as Ansible does: `state` defaulting
// to present makes a required_if on present apply.
Expected<void> CheckRequired(const ModuleSpec& spec, const Json& given) {
  for (const auto& group : spec.required_one_of) {
    bool any =
        std::any_of(group.begin(), group.end(), [&](const auto& n) { return given.contains(n); });
    if (!any) return Fail("one of the following is required: " + JoinNames(group, ", "));
  }
  for (const auto& rule : spec.required_if) {
    auto it = given.find(rule.arg);
    if (it == given.end() || *it != rule.value) continue;
    std::vector<std::string> missing;
    for (const auto& n : rule.required) {
      if (!given.contains(n)) missing.push_back(n);
    }
    if (!missing.empty()) {
      return Fail(fmt::format("{} is {} but all of the following are missing: {}", rule.arg,
                              PythonStr(rule.value), JoinNames(missing, ", ")));
    }
  }
  return {};
}

}  // namespace

std::string_view ArgTypeName(ArgType type) {
  switch (type) {
    case ArgType::kStr:
      return "str";
    case ArgType::kInt:
      return "int";
    case ArgType::kFloat:
      return "float";
    case ArgType::kBool:
      return "bool";
    case ArgType::kList:
      return "list";
    case ArgType::kDict:
      return "dict";
    case ArgType::kPath:
      return "path";
    case ArgType::kRaw:
      return "raw";
  }
  return "raw";
}

const ArgSpec* ModuleSpec::FindArg(std::string_view n) const {
  for (const auto& arg : args) {
    if (arg.name == n) return &arg;
    if (std::find(arg.aliases.begin(), arg.aliases.end(), n) != arg.aliases.end()) return &arg;
  }
  return nullptr;
}

std::optional<bool> ParseBool(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_integer()) {
    int64_t n = value.get<int64_t>();
    if (n == 0 || n == 1) return n == 1;
    return std::nullopt;
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (d == 0.0 || d == 1.0) return d == 1.0;
    return std::nullopt;
  }
  if (!value.is_string()) return std::nullopt;
  std::string s = Lower(Trim(value.get_ref<const std::string&>()));
  for (const char* t : {"yes", "on", "1", "true", "y", "t", "1.0"}) {
    if (s == t) return true;
  }
  for (const char* f : {"no", "off", "0", "false", "n", "f", "0.0"}) {
    if (s == f) return false;
  }
  return std::nullopt;
}

Expected<Json> ConvertArg(ArgType type, const Json& value, ArgType elements) {
  switch (type) {
    case ArgType::kRaw:
      return value;
    case ArgType::kStr:
    case ArgType::kPath:
      if (value.is_array() || value.is_object()) {
        return Fail(fmt::format("{} cannot be converted to a str", PythonTypeName(value)));
      }
      return Json(PythonStr(value));
    case ArgType::kBool:
      if (auto b = ParseBool(value)) return Json(*b);
      return Fail(fmt::format("{} '{}' is not a valid boolean (use yes/no, true/false, on/off)",
                              PythonTypeName(value), Show(value)));
    case ArgType::kInt:
      return ToInt(value);
    case ArgType::kFloat:
      return ToFloat(value);
    case ArgType::kList:
      return ToList(value, elements);
    case ArgType::kDict:
      return ToDict(value);
  }
  return value;
}

Expected<Json> ValidateArgs(const ModuleSpec& spec, const Json& args) {
  if (!args.is_object()) {
    return Fail(fmt::format("arguments of module '{}' must be a dict, got {}", spec.name,
                            PythonTypeName(args)));
  }
  auto canonical = Canonicalise(spec, args);
  if (!canonical) return canonical;
  Json out = Json::object();
  std::vector<std::string> missing;
  for (const auto& arg : spec.args) {
    auto it = canonical->find(arg.name);
    if (it == canonical->end() || it->is_null()) {
      if (arg.required)
        missing.push_back(arg.name);
      else if (!arg.default_value.is_null())
        out[arg.name] = arg.default_value;
      continue;
    }
    auto converted = ConvertArg(arg.type, *it, arg.elements);
    if (!converted) {
      std::string why = arg.no_log ? "(value hidden)" : converted.error().message;
      return Fail(
          fmt::format("argument '{}' is of type {} and we were unable to convert to {}: "
                      "{}",
                      arg.name, PythonTypeName(*it), ArgTypeName(arg.type), why));
    }
    auto choice = CheckChoice(arg, *converted);
    if (!choice) return std::unexpected(choice.error());
    out[arg.name] = std::move(*converted);
  }
  if (!missing.empty()) return Fail("missing required arguments: " + JoinNames(missing, ", "));
  for (const auto& [key, value] : args.items()) {
    if (IsInternal(key) && !spec.FindArg(key)) out[key] = value;
  }
  if (auto exclusive = CheckExclusive(spec, *canonical); !exclusive) {
    return std::unexpected(exclusive.error());
  }
  if (auto required = CheckRequired(spec, out); !required) return std::unexpected(required.error());
  return out;
}

}  // namespace tend
