#include "controller/cli/adhoc_command.h"

#include <fmt/format.h>

#include <mutex>

#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "controller/cli/vault_options.h"
#include "controller/connection/interrupt.h"
#include "controller/connection/session_pool.h"

namespace tend {

void AddAdhocOptions(CLI::App& app, AdhocFlags& f) {
  if (const auto& config = CliConfig()) {
    ApplyConfigDefaults(*config, f.connection);
    if (config->IsSet("defaults.forks")) f.forks = config->Int("defaults.forks");
  }
  app.add_option("pattern", f.pattern, "Host pattern (all, group, host, g1:g2, g1:!g2)")
      ->required();
  app.add_option("-i,--inventory", f.inventory,
                 "Inventory file or comma-separated host list (default: ansible.cfg's)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-l,--limit", f.limit, "Further limit the selected hosts");
  app.add_option("-f,--forks", f.forks, "Hosts handled at once")->check(CLI::PositiveNumber);
  AddConnectionFlags(app, f.connection);
  app.add_flag("-v,--verbose", f.verbose, "Show connects and agent uploads");
  AddVaultOptions(app, f.vault);
}

Expected<std::vector<HostTarget>> AdhocTargets(const AdhocFlags& f, std::map<std::string, Json>* vars) {
  const auto& config = CliConfig();
  if (!config) return std::unexpected(config.error());
  ReportConfig();  // its warnings
  auto secrets = LoadVaultSecrets(WithConfigVault(*config, f.vault));
  if (!secrets) return std::unexpected(secrets.error());
  auto hosts = SelectHosts(ConfigInventory(*config, f.inventory), f.pattern, f.limit, &*secrets);
  if (!hosts) return std::unexpected(hosts.error());
  ConnectionOptions options = ConnectionOptionsFromFlags(f.connection);
  std::vector<HostTarget> targets;
  for (const auto& h : *hosts) {
    auto t = HostTargetFromVars(h.name, h.vars, options);
    if (!t) return std::unexpected(t.error());
    targets.push_back(std::move(*t));
    if (vars) (*vars)[h.name] = h.vars;
  }
  return targets;
}

int RunOnHosts(const AdhocFlags& flags, const std::vector<HostTarget>& targets,
               SessionFactory& factory, const HostWork& work,
               const std::function<std::string(const HostTarget&, const Json&)>& format) {
  if (targets.empty()) {
    fmt::print(stderr, "[WARNING]: No hosts matched, nothing to do\n");
    return kExitOk;
  }
  HandleInterrupts();  // Ctrl-C: the hosts' commands stopped, exit 99
  SessionPool pool(factory);
  std::mutex print_mutex;
  std::vector<HostStatus> statuses(targets.size(), HostStatus::kOk);
  ForEachParallel(targets.size(), flags.forks, [&](size_t i) {
    Json result = work(targets[i], pool.Get(targets[i]));
    statuses[i] = StatusOf(result);
    std::string text = format(targets[i], result);
    std::lock_guard lock(print_mutex);
    fmt::print("{}", text);
    std::fflush(stdout);
  });
  ForEachParallel(targets.size(), flags.forks, [&](size_t i) {
    if (auto s = pool.Get(targets[i]); s && *s) (*s)->Close();
  });
  return AdhocExitCode(statuses);
}

}  // namespace tend
