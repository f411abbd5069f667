#include "controller/pymodule/module_doc.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "core/python_format.h"

namespace tend {
namespace {

std::string Joined(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (!v.is_array()) return PythonStr(v);
  std::string out;
  for (const auto& line : v) out += (out.empty() ? "" : " ") + (line.is_string() ? line.get<std::string>() : PythonStr(line));
  return out;
}

// One option: "- name (type, required)" or "(type, default: x)", choices,
// aliases, and the description indented under it.
std::string OptionText(const std::string& name, const std::string& type, bool required,
                       const Json& default_value, const Json& choices, const Json& aliases,
                       const std::string& description) {
  std::string out = fmt::format("- {} ({}", name, type.empty() ? "str" : type);
  if (required) out += ", required";
  if (!default_value.is_null()) out += ", default: " + PythonStr(default_value);
  out += ")\n";
  if (choices.is_array() && !choices.empty()) {
    std::vector<std::string> words;
    for (const auto& c : choices) words.push_back(PythonStr(c));
    out += fmt::format("    choices: {}\n", fmt::join(words, ", "));
  }
  if (aliases.is_array() && !aliases.empty()) {
    std::vector<std::string> words;
    for (const auto& a : aliases) words.push_back(PythonStr(a));
    out += fmt::format("    aliases: {}\n", fmt::join(words, ", "));
  }
  if (!description.empty()) out += fmt::format("    {}\n", description);
  return out;
}

}  // namespace

Expected<std::string> DocumentationText(std::string_view source) {
  size_t at = source.find("\nDOCUMENTATION");
  if (at == std::string_view::npos) return Fail("the module has no DOCUMENTATION");
  size_t quote = source.find_first_of("'\"", at);
  if (quote == std::string_view::npos || quote + 3 > source.size()) return Fail("DOCUMENTATION is not a string");
  std::string_view delimiter = source.substr(quote, 3);
  if (delimiter != "'''" && delimiter != "\"\"\"") return Fail("DOCUMENTATION is not a triple-quoted string");
  size_t end = source.find(delimiter, quote + 3);
  if (end == std::string_view::npos) return Fail("DOCUMENTATION is not closed");
  return std::string(source.substr(quote + 3, end - quote - 3));
}

std::string FormatDocumentation(const std::string& name, const std::string& path, const Json& doc) {
  std::string out = fmt::format("> {}  ({})\n\n", name, path);
  if (doc.contains("short_description")) out += Joined(doc["short_description"]) + "\n\n";
  if (!doc.contains("options") || !doc["options"].is_object()) return out + "(no options)\n";
  std::vector<std::string> names;
  for (const auto& [k, _] : doc["options"].items()) names.push_back(k);
  std::sort(names.begin(), names.end());
  for (const auto& option : names) {
    const Json& o = doc["options"][option];
    if (!o.is_object()) continue;
    out += OptionText(option, o.value("type", "str"), o.value("required", false),
                      o.value("default", Json()), o.value("choices", Json()), o.value("aliases", Json()),
                      o.contains("description") ? Joined(o["description"]) : "");
  }
  return out;
}

std::string FormatNativeSpec(const ModuleSpec& spec) {
  std::string out = fmt::format("> {}  (native in tend)\n\n", spec.name);
  if (!spec.short_description.empty()) out += spec.short_description + "\n\n";
  std::vector<const ArgSpec*> args;
  for (const auto& a : spec.args) {
    if (!a.name.starts_with("_")) args.push_back(&a);
  }
  std::sort(args.begin(), args.end(), [](const ArgSpec* a, const ArgSpec* b) { return a->name < b->name; });
  if (args.empty()) return out + "(no options)\n";
  for (const ArgSpec* a : args) {
    Json choices = Json::array();
    for (const auto& c : a->choices) choices.push_back(c);
    Json aliases = Json::array();
    for (const auto& alias : a->aliases) aliases.push_back(alias);
    out += OptionText(a->name, std::string(ArgTypeName(a->type)), a->required, a->default_value, choices,
                      aliases, "");
  }
  return out;
}

}  // namespace tend
