#include <cstdlib>
#include <fstream>

#include <fmt/format.h>

#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "controller/cli/vault_options.h"
#include "controller/inventory/inventory.h"
#include "controller/vault/vault.h"

namespace tend {
namespace {

struct InventoryCommandState {
  std::vector<std::string> sources;
  VaultOptions vault;
  bool list = false;
  std::string host;
  std::string graph;
  bool graph_given = false;
  bool vars = false;
  std::string limit;
  std::string output;
  std::string playbook_dir;
  std::string list_hosts;
};

// json.dumps(sort_keys=True, indent=4, ensure_ascii=False), as ansible-inventory prints.
std::string PythonJson(const Json& value) {
  nlohmann::json sorted = nlohmann::json::parse(value.dump());
  return sorted.dump(4, ' ', false, nlohmann::json::error_handler_t::replace);
}

int Run(InventoryCommandState& state) {
  if (state.list + !state.host.empty() + state.graph_given + !state.list_hosts.empty() != 1) {
    fmt::print(stderr,
               "tend inventory: give exactly one of --list, --host HOST, --graph [GROUP], "
               "--list-hosts PATTERN\n");
    return kExitBadOptions;
  }
  if (!ReportConfig()) return kExitBadOptions;
  const AnsibleConfig& config = *CliConfig();
  auto secrets = LoadVaultSecrets(WithConfigVault(config, state.vault));
  if (!secrets) {
    fmt::print(stderr, "tend inventory: {}\n", secrets.error().ToString());
    return kExitError;
  }
  InventoryOptions options;
  options.secrets = &*secrets;
  options.decrypt_inline_vault = false;  // ansible-inventory prints them encrypted
  auto inventory = LoadInventory(ConfigInventory(config, state.sources), options);
  if (!inventory) {
    fmt::print(stderr, "tend inventory: {}\n", inventory.error().ToString());
    return kExitError;
  }
  if (!state.playbook_dir.empty()) {
    if (auto r = inventory->AddPlaybookVarsDir(state.playbook_dir); !r) {
      fmt::print(stderr, "tend inventory: {}\n", r.error().ToString());
      return kExitError;
    }
  }
  if (!state.limit.empty()) {
    if (auto r = inventory->Limit(state.limit); !r) {
      fmt::print(stderr, "tend inventory: {}\n", r.error().ToString());
      return kExitError;
    }
  }
  std::string text;
  if (state.list) {
    text = PythonJson(inventory->ListJson());
  } else if (!state.list_hosts.empty()) {
    // The same text as `ansible PATTERN --list-hosts`.
    auto hosts = inventory->Match(state.list_hosts);
    if (!hosts) {
      fmt::print(stderr, "tend inventory: {}\n", hosts.error().ToString());
      return kExitError;
    }
    if (hosts->empty()) {
      fmt::print(stderr, "[WARNING]: No hosts matched, nothing to do\n");
    }
    text = fmt::format("  hosts ({}):", hosts->size());
    for (const auto& h : *hosts) text += "\n    " + h;
  } else if (!state.host.empty()) {
    auto hosts = inventory->Match(state.host);
    if (!hosts || hosts->size() != 1) {
      fmt::print(stderr, "tend inventory: you must pass a single valid host to --host parameter\n");
      return kExitError;
    }
    text = PythonJson(inventory->HostVars(hosts->front()));
  } else {
    auto graph = inventory->Graph(state.graph.empty() ? "all" : state.graph, state.vars);
    if (!graph) {
      fmt::print(stderr, "tend inventory: {}\n", graph.error().ToString());
      return kExitBadOptions;
    }
    text = std::move(*graph);
    if (!text.empty() && text.back() == '\n') text.pop_back();
  }
  text = SecretRegistry::Global().Redact(std::move(text));
  if (state.output.empty()) {
    fmt::print("{}\n", text);
    return kExitOk;
  }
  std::ofstream out(state.output, std::ios::binary);
  out << text;
  if (!out) {
    fmt::print(stderr, "tend inventory: cannot write {}\n", state.output);
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

CommandRunner SetupInventoryCommand(CLI::App& sub) {
  auto state = std::make_shared<InventoryCommandState>();
  sub.add_option("-i,--inventory,--inventory-file", state->sources,
                 "Inventory source: file, directory, script, Terraform state or 'h1,h2,'")
      ->allow_extra_args(false);
  sub.add_flag("--list", state->list, "Print the whole inventory as JSON");
  sub.add_option("--host", state->host, "Print one host's variables as JSON");
  CLI::Option* graph =
      sub.add_option("--graph", state->graph, "Print the group tree (from GROUP, default all)")
          ->expected(0, 1);
  sub.add_option("--list-hosts", state->list_hosts,
                 "Print the hosts a pattern matches, like `ansible PATTERN --list-hosts`");
  sub.add_flag("--vars", state->vars, "With --graph: show variables too");
  sub.add_option("-l,--limit", state->limit, "Only hosts matching this pattern (or @file)");
  sub.add_option("--output", state->output, "Write to this file instead of stdout");
  sub.add_option("--playbook-dir", state->playbook_dir,
                 "Also read group_vars/ and host_vars/ from this directory");
  AddVaultOptions(sub, state->vault);
  return [state, graph] {
    state->graph_given = graph->count() > 0;
    return Run(*state);
  };
}

}  // namespace tend
