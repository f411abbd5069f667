#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "controller/connection/connection_options.h"
#include "controller/connection/host_session.h"
#include "controller/playbook/loader.h"
#include "controller/playbook/model.h"
#include "controller/playbook/reporter.h"
#include "controller/playbook/templating.h"
#include "controller/pymodule/python_modules.h"
#include "controller/vault/vault.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// The inventory as the executor needs it (an adapter over controller/inventory
/// in the command; a small in-memory one in tests).
class HostCatalog {
 public:
  virtual ~HostCatalog() = default;
  /// Hosts matching a pattern, in inventory order, after --limit.
  virtual Expected<std::vector<std::string>> Match(const std::string& pattern) = 0;
  /// docs/ansible-compat.md layers 2–4 for one host.
  virtual Json HostVars(const std::string& host) = 0;
  /// `group_names` of a host.
  virtual std::vector<std::string> GroupNames(const std::string& host) = 0;
  /// The `groups` magic variable.
  virtual Json GroupsJson() = 0;
  /// Every host name (for `hostvars`).
  virtual std::vector<std::string> AllHosts() = 0;
  virtual void AddHost(const std::string& host, const std::vector<std::string>& groups,
                       const Json& vars) = 0;
  /// The directory of the (first) inventory source, for `inventory_dir`.
  virtual std::string InventoryDir() = 0;
  /// meta: refresh_inventory; optional.
  virtual Expected<void> Refresh() { return {}; }
};

struct ExecOptions {
  int forks = 50;
  bool check = false;
  bool diff = false;
  std::vector<std::string> tags;  // empty = all
  std::vector<std::string> skip_tags;
  Json extra_vars = Json::object();
  bool force_handlers = false;
  std::string start_at_task;
  ConnectionOptions connection;
  /// Facts cache directory (empty = none) and its lifetime.
  std::string fact_cache_dir;
  long fact_cache_ttl = 86400;
  bool flush_cache = false;
  /// ansible.cfg's `gathering`: "implicit" (plays gather unless gather_facts
  /// says no), "explicit" (only when gather_facts says yes) or "smart"
  /// (like implicit, but hosts that already have facts are not gathered again).
  std::string gathering = "implicit";
  int verbosity = 0;
  /// Passwords for vaulted vars_files and include_vars files.
  VaultSecrets vault_secrets;
  /// Ansible's Python code for modules tend has no native implementation of
  /// (issue 19); null: such a task fails (unit tests on fakes).
  std::shared_ptr<PythonModules> python_modules;
};

/// The end of a run: the recap and what the exit code is made of.
struct RunSummary {
  std::map<std::string, HostStats> stats;
  bool any_failed = false;
  bool any_unreachable = false;
  /// A problem that stopped the run (undefined variable in `hosts`, ...).
  std::optional<Error> error;
};

/// Runs loaded playbooks: strategies, forks, serial, handlers, blocks, loops,
/// controller-side actions, modules through HostSessions.
class Executor {
 public:
  Executor(HostCatalog& hosts, SessionFactory& sessions, Reporter& reporter, PlaybookLoader& loader,
           TemplarFactory templar, ExecOptions options);
  ~Executor();

  RunSummary Run(const Playbook& book);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Whether a task with `tags` runs under --tags/--skip-tags (always, never,
/// tagged, untagged, all).
bool TagsSelect(const std::vector<std::string>& task_tags, const std::vector<std::string>& only,
                const std::vector<std::string>& skip);

/// `serial` as batch sizes for `host_count` hosts: 2, "30%", [1, 5, "50%"].
std::vector<size_t> SerialBatches(const Json& serial, size_t host_count);

}  // namespace tend
