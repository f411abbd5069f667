#include "controller/cli/config_flags.h"

#include <fmt/format.h>

#include <cstdio>

namespace tend {

const Expected<AnsibleConfig>& CliConfig() {
  static const Expected<AnsibleConfig> config = LoadAnsibleConfig(RealConfigEnvironment());
  return config;
}

bool ReportConfig() {
  const auto& config = CliConfig();
  if (!config) {
    fmt::print(stderr, "ERROR! {}\n", config.error().ToString());
    return false;
  }
  static bool reported = false;
  if (!reported) {
    for (const auto& w : config->warnings()) fmt::print(stderr, "[WARNING]: {}\n", w);
    reported = true;
  }
  return true;
}

void ApplyConfigDefaults(const AnsibleConfig& c, ConnectionFlags& f) {
  if (c.IsSet("defaults.remote_user")) f.user = c.String("defaults.remote_user");
  if (c.IsSet("defaults.remote_port")) f.port = c.Int("defaults.remote_port");
  if (c.IsSet("defaults.private_key_file")) f.private_key = c.String("defaults.private_key_file");
  if (c.IsSet("defaults.transport")) {
    f.type = c.String("defaults.transport") == "local" ? "local" : "ssh";
  }
  if (c.IsSet("defaults.timeout")) f.timeout = c.Int("defaults.timeout");
  if (c.IsSet("defaults.host_key_checking") && !c.Bool("defaults.host_key_checking")) {
    f.host_key_checking = "off";
  }
  if (c.IsSet("defaults.ask_pass")) f.ask_pass = c.Bool("defaults.ask_pass");
  if (c.IsSet("privilege_escalation.become")) f.become = c.Bool("privilege_escalation.become");
  if (c.IsSet("privilege_escalation.become_user")) {
    f.become_user = c.String("privilege_escalation.become_user");
  }
  if (c.IsSet("privilege_escalation.become_method")) {
    f.become_method = c.String("privilege_escalation.become_method");
  }
  if (c.IsSet("privilege_escalation.become_ask_pass")) {
    f.ask_become_pass = c.Bool("privilege_escalation.become_ask_pass");
  }
}

void ApplyConfigDefaults(const AnsibleConfig& c, PlayFlags& f) {
  ApplyConfigDefaults(c, f.connection);
  if (c.IsSet("defaults.forks")) f.forks = c.Int("defaults.forks");
  if (c.String("defaults.fact_caching") == "jsonfile") {
    f.fact_cache = c.String("defaults.fact_caching_connection");
  }
  f.fact_cache_ttl = c.Int("defaults.fact_caching_timeout");
  f.gathering = c.String("defaults.gathering");
  if (c.Bool("defaults.nocolor")) f.color = "never";
  if (c.Bool("defaults.force_color")) f.color = "always";
}

std::vector<std::string> ConfigInventory(const AnsibleConfig& c,
                                         const std::vector<std::string>& given) {
  return given.empty() ? c.List("defaults.inventory") : given;
}

VaultOptions WithConfigVault(const AnsibleConfig& c, VaultOptions given) {
  auto ids = c.List("defaults.vault_identity_list");
  given.ids.insert(given.ids.begin(), ids.begin(), ids.end());
  if (auto file = c.String("defaults.vault_password_file"); !file.empty()) {
    given.password_files.push_back(file);
  }
  if (c.Bool("defaults.ask_vault_pass")) given.ask = true;
  return given;
}

std::vector<std::string> ConfigRolesPath(const AnsibleConfig& c,
                                         const std::vector<std::string>& given) {
  std::vector<std::string> out = given;
  for (const auto& p : c.List("defaults.roles_path")) out.push_back(p);
  return out;
}

const CodeTree& MachineCodeTree() {
  static const RealCodeTree tree;
  return tree;
}

std::shared_ptr<PythonModules> MachinePythonModules() {
  std::vector<std::string> collections;
  if (const auto& config = CliConfig()) collections = config->List("defaults.collections_path");
  return std::make_shared<PythonModules>(MachineCodeRoots(MachineCodeTree(), collections),
                                         MachineCodeTree());
}

}  // namespace tend
