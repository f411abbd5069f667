#include "controller/connection/adhoc_cli.h"

#include <fmt/format.h>

#include <mutex>

#include "controller/cli/command.h"

namespace tend {

void AddAdhocOptions(CLI::App& app, AdhocFlags& f) {
  app.add_option("pattern", f.pattern, "Host pattern (all, group, host, g1:g2, g1:!g2)")
      ->required();
  app.add_option("-i,--inventory", f.inventory, "Inventory file or comma-separated host list")
      ->required()
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-l,--limit", f.limit, "Further limit the selected hosts");
  app.add_option("-f,--forks", f.forks, "Hosts handled at once")->check(CLI::PositiveNumber);
  app.add_option("-u,--user", f.user, "Connect as this user");
  app.add_flag("-k,--ask-pass", f.ask_pass, "Ask for the SSH password");
  app.add_option("--private-key,--key-file", f.private_key, "Private key file");
  app.add_option("-c,--connection", f.connection, "Connection type")
      ->check(CLI::IsMember({"ssh", "local"}));
  app.add_option("-T,--timeout", f.timeout, "Connect and authentication timeout in seconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--host-key-checking", f.host_key_checking, "strict, accept-new or off")
      ->check(CLI::IsMember({"strict", "accept-new", "off"}));
  app.add_flag("-b,--become", f.become, "Run as another user (sudo)");
  app.add_option("--become-user", f.become_user, "User to become");
  app.add_option("--become-method", f.become_method, "sudo or su")
      ->check(CLI::IsMember({"sudo", "su"}));
  app.add_flag("-K,--ask-become-pass", f.ask_become_pass, "Ask for the become password");
  app.add_flag("-v,--verbose", f.verbose, "Show connects and agent uploads");
  AddVaultOptions(app, f.vault);
}

Expected<std::vector<HostTarget>> AdhocTargets(const AdhocFlags& f) {
  auto secrets = LoadVaultSecrets(f.vault);
  if (!secrets) return std::unexpected(secrets.error());
  auto hosts = SelectHosts(f.inventory, f.pattern, f.limit, &*secrets);
  if (!hosts) return std::unexpected(hosts.error());
  ConnectionOptions options;
  options.user = f.user;
  options.private_key = f.private_key;
  if (!f.connection.empty()) {
    options.connection = f.connection == "local" ? ConnectionType::kLocal : ConnectionType::kSsh;
  }
  options.timeout_seconds = f.timeout;
  options.host_key_checking = f.host_key_checking == "off"          ? HostKeyChecking::kOff
                              : f.host_key_checking == "accept-new" ? HostKeyChecking::kAcceptNew
                                                                    : HostKeyChecking::kStrict;
  options.become.enabled = f.become;
  options.become.user = f.become_user;
  options.become.method = f.become_method == "su" ? BecomeMethod::kSu : BecomeMethod::kSudo;
  if (f.ask_pass) options.password = PromptPassword("SSH password: ");
  if (f.ask_become_pass) {
    std::string pw = PromptPassword(f.ask_pass ? "BECOME password[defaults to SSH password]: "
                                               : "BECOME password: ");
    options.become.password = pw.empty() && options.password ? *options.password : pw;
  }
  std::vector<HostTarget> targets;
  for (const auto& h : *hosts) {
    auto t = HostTargetFromVars(h.name, h.vars, options);
    if (!t) return std::unexpected(t.error());
    targets.push_back(std::move(*t));
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
