#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "controller/cli/play_command.h"
#include "controller/cli/redacting_reporter.h"
#include "controller/cli/run_records.h"
#include "controller/cli/vault_options.h"
#include "controller/connection/interrupt.h"
#include "controller/connection/real_session.h"
#include "controller/inventory/inventory.h"
#include "controller/playbook/executor.h"
#include "controller/playbook/listing.h"
#include "controller/playbook/loader.h"
#include "controller/vault/vault.h"
#include "controller/yaml/yaml.h"

namespace tend {
namespace {
namespace fs = std::filesystem;


// The inventory behind the executor's HostCatalog seam.
class InventoryCatalog : public HostCatalog {
 public:
  InventoryCatalog(Inventory inventory, std::vector<std::string> sources, InventoryOptions options,
                   std::string limit, std::vector<std::string> vars_dirs)
      : inventory_(std::move(inventory)),
        sources_(std::move(sources)),
        options_(std::move(options)),
        limit_(std::move(limit)),
        vars_dirs_(std::move(vars_dirs)) {}

  Expected<std::vector<std::string>> Match(const std::string& pattern) override {
    std::lock_guard lock(mutex_);
    return inventory_.Match(pattern);
  }
  Json HostVars(const std::string& host) override {
    Json vars;
    {
      std::lock_guard lock(mutex_);
      vars = inventory_.HostVars(host);
    }
    if (hook_) hook_(host, vars);
    return vars;
  }
  void SetHostVarsHook(std::function<void(const std::string&, Json&)> hook) {
    hook_ = std::move(hook);
  }
  std::vector<std::string> GroupNames(const std::string& host) override {
    std::lock_guard lock(mutex_);
    return inventory_.GroupNames(host);
  }
  Json GroupsJson() override {
    std::lock_guard lock(mutex_);
    return inventory_.GroupsJson();
  }
  std::vector<std::string> AllHosts() override {
    std::lock_guard lock(mutex_);
    return inventory_.HostNames();
  }
  void AddHost(const std::string& host, const std::vector<std::string>& groups,
               const Json& vars) override {
    std::lock_guard lock(mutex_);
    inventory_.AddHost(host, groups, vars);
  }
  std::string InventoryDir() override {
    if (sources_.empty()) return "";
    fs::path p = fs::absolute(sources_.front());
    return fs::is_directory(p) ? p.string() : p.parent_path().string();
  }
  Expected<void> Refresh() override {
    auto fresh = LoadInventory(sources_, options_);
    if (!fresh) return std::unexpected(fresh.error());
    std::lock_guard lock(mutex_);
    inventory_ = std::move(*fresh);
    if (auto ok = inventory_.Limit(limit_); !ok) return ok;
    for (const auto& d : vars_dirs_) {
      if (auto ok = inventory_.AddPlaybookVarsDir(d); !ok) return ok;
    }
    return {};
  }

 private:
  std::mutex mutex_;
  Inventory inventory_;
  std::vector<std::string> sources_;
  InventoryOptions options_;
  std::string limit_;
  std::vector<std::string> vars_dirs_;
  std::function<void(const std::string&, Json&)> hook_;
};

}  // namespace

void AddPlayOptions(CLI::App& app, PlayFlags& f) {
  app.add_option("playbook", f.playbooks, "Playbooks to run, in order")->required();
  app.add_option("-i,--inventory", f.inventory, "Inventory source (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-l,--limit", f.limit, "Further limit the selected hosts");
  app.add_option("-e,--extra-vars", f.extra_vars, "Extra variables: k=v, YAML/JSON, or @file")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("-t,--tags", f.tags, "Only tasks with these tags")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--skip-tags", f.skip_tags, "Skip tasks with these tags")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("-C,--check", f.check, "Report changes without making them");
  app.add_flag("-D,--diff", f.diff, "Show differences in changed files");
  app.add_option("-f,--forks", f.forks, "Hosts handled at once")->check(CLI::PositiveNumber);
  AddConnectionFlags(app, f.connection);
  app.add_flag("-v,--verbose", f.verbosity, "More output (repeat for more)");
  app.add_flag("--syntax-check", f.syntax_check, "Check the playbooks, run nothing");
  app.add_flag("--list-tasks", f.list_tasks, "List the tasks that would run");
  app.add_flag("--list-hosts", f.list_hosts, "List the hosts each play would run on");
  app.add_flag("--list-tags", f.list_tags, "List the tags");
  app.add_option("--start-at-task", f.start_at_task, "Start at the task with this name");
  app.add_flag("--force-handlers", f.force_handlers, "Run handlers even on failed hosts");
  app.add_flag("--flush-cache", f.flush_cache, "Ignore cached facts");
  app.add_option("--fact-cache", f.fact_cache, "Fact cache directory");
  app.add_option("--output", f.output, "human or json (one event per line)")
      ->check(CLI::IsMember({"human", "json"}));
  app.add_flag("--timing", f.timing, "Per-task timing summary after the recap");
  app.add_option("--color", f.color, "auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  app.add_option("--roles-path", f.roles_path, "Extra role directories")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  AddVaultOptions(app, f.vault);
  AddRecordsOption(app, f.records);
}

namespace {

Expected<Json> ParseExtraVars(const std::vector<std::string>& given) {
  Json out = Json::object();
  for (const auto& text : given) {
    Expected<Json> vars;
    if (text.starts_with("@")) {
      vars = LoadYamlFile(text.substr(1));
    } else if (text.starts_with("{") || text.starts_with("[")) {
      vars = ParseYaml(text, "extra vars");
    } else {
      vars = ParseKeyValueArgs(text, false);
    }
    if (!vars) return vars;
    if (!vars->is_object()) return Fail(fmt::format("extra vars '{}' must be a mapping", text));
    for (const auto& [k, v] : vars->items()) out[k] = v;
  }
  return out;
}

std::vector<std::string> SplitCommas(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    for (const auto& t : ToStringList(Json(s), true)) out.push_back(t);
  }
  return out;
}

int ExitCode(const RunSummary& summary) {
  if (summary.error) {
    fmt::print(stderr, "ERROR! {}\n", summary.error->ToString());
    return kExitError;
  }
  if (summary.any_unreachable) return kExitUnreachable;
  if (summary.any_failed) return kExitHostFailed;
  return kExitOk;
}

}  // namespace

int RunPlay(const PlayFlags& f) {
  if (!ReportConfig()) return kExitBadOptions;
  const AnsibleConfig& config = *CliConfig();
  auto secrets = LoadVaultSecrets(WithConfigVault(config, f.vault));
  if (!secrets) {
    fmt::print(stderr, "ERROR! {}\n", secrets.error().ToString());
    return kExitBadOptions;
  }
  auto extra = ParseExtraVars(f.extra_vars);
  if (!extra) {
    fmt::print(stderr, "ERROR! {}\n", extra.error().ToString());
    return kExitBadOptions;
  }
  if (auto ok = DecryptVaultValues(*extra, *secrets, "extra vars"); !ok) {
    fmt::print(stderr, "ERROR! {}\n", ok.error().ToString());
    return kExitBadOptions;
  }
  LoadOptions load_options;
  load_options.roles_path = ConfigRolesPath(config, f.roles_path);
  load_options.syntax_check = f.syntax_check;
  auto python_modules = MachinePythonModules();
  load_options.module_code = [python_modules](std::string_view fqcn) {
    return python_modules->Locate(fqcn).has_value();
  };
  PlaybookLoader loader(load_options);
  std::vector<Playbook> books;
  for (const auto& path : f.playbooks) {
    auto book = loader.Load(path);
    if (!book) {
      fmt::print(stderr, "ERROR! {}\n", book.error().ToString());
      return kExitUnreachable;  // docs/ansible-compat.md: parse errors exit 4
    }
    for (const auto& text : loader.TakeWarnings()) fmt::print(stderr, "[WARNING]: {}\n", text);
    books.push_back(std::move(*book));
  }
  if (f.syntax_check) {
    for (const auto& b : books) fmt::print("\nplaybook: {}\n", b.path);
    return kExitOk;
  }
  InventoryOptions inv_options;
  inv_options.secrets = &*secrets;
  std::vector<std::string> sources = ConfigInventory(config, f.inventory);
  auto inventory = LoadInventory(sources, inv_options);
  if (!inventory) {
    fmt::print(stderr, "ERROR! {}\n", inventory.error().ToString());
    return kExitError;
  }
  if (auto ok = inventory->Limit(f.limit); !ok) {
    fmt::print(stderr, "ERROR! {}\n", ok.error().ToString());
    return kExitBadOptions;
  }
  std::vector<std::string> vars_dirs;
  for (const auto& path : f.playbooks) {
    std::string dir = fs::absolute(path).parent_path().string();
    if (std::find(vars_dirs.begin(), vars_dirs.end(), dir) != vars_dirs.end()) continue;
    vars_dirs.push_back(dir);
    if (auto ok = inventory->AddPlaybookVarsDir(dir); !ok) {
      fmt::print(stderr, "ERROR! {}\n", ok.error().ToString());
      return kExitError;
    }
  }
  InventoryCatalog catalog(std::move(*inventory), sources, inv_options, f.limit, vars_dirs);
  catalog.SetHostVarsHook(f.host_vars_hook);
  ExecOptions options;
  options.tags = SplitCommas(f.tags);
  options.skip_tags = SplitCommas(f.skip_tags);
  if (f.list_hosts || f.list_tasks || f.list_tags) {
    for (const auto& b : books) {
      auto text = ListPlaybook(b, catalog, f.list_hosts, f.list_tasks, f.list_tags, options.tags,
                               options.skip_tags);
      if (!text) {
        fmt::print(stderr, "ERROR! {}\n", text.error().ToString());
        return kExitError;
      }
      fmt::print("{}", *text);
    }
    return kExitOk;
  }
  options.forks = f.forks;
  options.check = f.check;
  options.diff = f.diff;
  options.extra_vars = std::move(*extra);
  options.force_handlers = f.force_handlers;
  options.start_at_task = f.start_at_task;
  options.connection = ConnectionOptionsFromFlags(f.connection);
  options.fact_cache_dir = f.fact_cache;
  options.fact_cache_ttl = f.fact_cache_ttl;
  options.gathering = f.gathering;
  options.flush_cache = f.flush_cache;
  options.verbosity = f.verbosity;
  options.python_modules = python_modules;

  bool tty = isatty(STDOUT_FILENO) != 0;
  bool color =
      f.color == "always" || (f.color == "auto" && tty && std::getenv("NO_COLOR") == nullptr);
  std::unique_ptr<Reporter> inner;
  if (f.output == "json") {
    inner = std::make_unique<JsonReporter>(stdout);
  } else {
    HumanOptions human;
    human.color = color;
    human.verbosity = f.verbosity;
    human.diff = f.diff;
    human.status_line = tty && isatty(STDERR_FILENO) != 0;
    human.timing = f.timing;
    inner = std::make_unique<HumanReporter>(stdout, human);
  }
  RecordingReporter* recorder = nullptr;
  inner = WithRecords(std::move(inner), f.records, NewRunInfo(f.command, sources, f.playbooks),
                      &recorder);
  RedactingReporter reporter(std::move(inner));
  auto factory = MakeRealSessionFactory(RealSessionOptions{"", f.verbosity >= 3});
  TemplarHooks hooks;
  VaultSecrets vault_secrets = *secrets;
  options.vault_secrets = vault_secrets;
  hooks.decrypt_vault = [vault_secrets](const std::string& text) -> Expected<std::string> {
    auto plain = Decrypt(text, vault_secrets, "a vaulted variable");
    if (plain) SecretRegistry::Global().Add(*plain);
    return plain;
  };
  // Several playbooks run as one, with one recap, as ansible-playbook does.
  Playbook all;
  all.path = books.front().path;
  for (auto& b : books) {
    for (auto& p : b.plays) all.plays.push_back(std::move(p));
  }
  // From here on Ctrl-C stops the hosts' commands and exits 99, as Ansible does.
  HandleInterrupts();
  Executor executor(catalog, *factory, reporter, loader, JinjaTemplarFactory(hooks), options);
  RunSummary summary = executor.Run(all);
  int rc = ExitCode(summary);
  if (recorder != nullptr) recorder->Finish(rc);
  return rc;
}


CommandRunner SetupPlayCommand(CLI::App& sub) {
  auto flags = std::make_shared<PlayFlags>();
  if (const auto& config = CliConfig()) ApplyConfigDefaults(*config, *flags);
  AddPlayOptions(sub, *flags);
  return [flags] { return RunPlay(*flags); };
}

}  // namespace tend
