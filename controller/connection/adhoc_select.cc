// Host selection (controller/inventory) and -a parsing for ad-hoc commands.

#include <fmt/format.h>

#include <set>
#include <sstream>

#include "controller/connection/adhoc.h"
#include "modules/framework/registry.h"
#include "controller/connection/ssh_config.h"
#include "controller/inventory/inventory.h"

namespace tend {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

}  // namespace

Expected<std::vector<SelectedHost>> SelectHosts(const std::vector<std::string>& sources,
                                                const std::string& pattern,
                                                const std::string& limit,
                                                const VaultSecrets* secrets) {
  InventoryOptions options;
  options.secrets = secrets;
  auto inventory = LoadInventory(sources, options);
  if (!inventory) return std::unexpected(inventory.error());
  if (!limit.empty()) {
    if (auto r = inventory->Limit(limit); !r) return std::unexpected(r.error());
  }
  auto names = inventory->Match(pattern);
  if (!names) return std::unexpected(names.error());
  std::vector<SelectedHost> hosts;
  for (const auto& name : *names) hosts.push_back({name, inventory->HostVars(name)});
  return hosts;
}

Expected<Json> ParseAdhocArgs(const std::string& module, const std::string& text) {
  std::string trimmed = Trim(text);
  if (!trimmed.empty() && trimmed[0] == '{') {
    Json args = Json::parse(trimmed, nullptr, false);
    if (args.is_discarded() || !args.is_object()) return Fail("-a: invalid JSON object");
    return args;
  }
  static const std::set<std::string> kFreeForm = {"command", "shell", "raw", "script"};
  static const std::set<std::string> kFreeFormKeys = {
      "chdir", "creates", "removes", "executable", "stdin", "stdin_add_newline", "strip_empty_ends",
      "warn",  "cmd"};
  bool free_form = kFreeForm.contains(module);
  Json args = Json::object();
  std::string raw;
  std::stringstream in(trimmed);
  auto words = ShellSplit(trimmed);
  if (!words) return Fail("-a: " + words.error().message);
  // Free-form text keeps its quoting: scan the original words, not the split ones.
  size_t pos = 0;
  for (const auto& w : *words) {
    (void)w;
    size_t start = trimmed.find_first_not_of(" \t", pos);
    size_t end = start;
    char quote = 0;
    for (; end < trimmed.size(); ++end) {
      char c = trimmed[end];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == ' ' || c == '\t') {
        break;
      }
    }
    std::string original = trimmed.substr(start, end - start);
    pos = end;
    auto eq = w.find('=');
    std::string key = eq == std::string::npos ? "" : w.substr(0, eq);
    if (!key.empty() && (!free_form || kFreeFormKeys.contains(key))) {
      args[key] = w.substr(eq + 1);
    } else {
      raw += (raw.empty() ? "" : " ") + original;
    }
  }
  if (!raw.empty()) args["_raw_params"] = raw;
  return args;
}

Expected<Json> PrepareModuleArgs(const std::string& module, const std::string& text) {
  // Bad arguments are refused here, before any host is contacted.
  auto args = ParseAdhocArgs(module, text);
  if (!args || FindModuleSpec(module) == nullptr) return args;
  return ValidateModuleArgs(module, *args);
}

}  // namespace tend
