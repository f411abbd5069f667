// Host selection (controller/inventory) and -a parsing for ad-hoc commands.

#include <fmt/format.h>

#include "core/strings.h"
#include "controller/cli/adhoc.h"
#include "modules/framework/free_form.h"
#include "controller/inventory/inventory.h"
#include "modules/framework/registry.h"

namespace tend {

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
  std::string trimmed(Trim(text, " \t\r"));
  if (!trimmed.empty() && trimmed[0] == '{') {
    Json args = Json::parse(trimmed, nullptr, false);
    if (args.is_discarded() || !args.is_object()) return Fail("-a: invalid JSON object");
    return args;
  }
  auto args = ParseFreeFormArgs(module, trimmed);
  if (!args) return Fail("-a: " + args.error().message);
  return args;
}

Expected<Json> PrepareModuleArgs(const std::string& module, const std::string& text) {
  // Bad arguments are refused here, before any host is contacted.
  auto args = ParseAdhocArgs(module, text);
  if (!args || FindModuleSpec(module) == nullptr) return args;
  return ValidateModuleArgs(module, *args);
}

}  // namespace tend
