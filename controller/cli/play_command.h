#pragma once

// `tend play`'s options and runner, shared with commands that run an embedded
// playbook the same way (`tend bootstrap`).

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "controller/cli/connection_flags.h"
#include "controller/vault/vault.h"
#include "core/json.h"

namespace tend {

struct PlayFlags {
  std::vector<std::string> playbooks;
  std::vector<std::string> inventory;
  std::string limit;
  std::vector<std::string> extra_vars;
  std::vector<std::string> tags;
  std::vector<std::string> skip_tags;
  bool check = false;
  bool diff = false;
  int forks = 50;
  ConnectionFlags connection;
  int verbosity = 0;
  bool syntax_check = false;
  bool list_tasks = false;
  bool list_hosts = false;
  bool list_tags = false;
  std::string start_at_task;
  bool force_handlers = false;
  bool flush_cache = false;
  std::string fact_cache;
  long fact_cache_ttl = 86400;
  std::string gathering = "implicit";  // ansible.cfg: implicit, explicit or smart
  std::string output = "human";
  bool timing = false;
  std::string color = "auto";
  std::vector<std::string> roles_path;
  VaultOptions vault;
  /// --records: where the run record goes ("" the default file, "off" none).
  std::string records;
  /// What the run record calls this run: "play" or "bootstrap".
  std::string command = "play";
  /// Adjusts a host's inventory vars before the run sees them (bootstrap
  /// connects as the admin user where it already can). Called concurrently.
  std::function<void(const std::string& host, Json& vars)> host_vars_hook{};
};

/// Adds ansible-playbook's options to `app`, bound to `flags`.
void AddPlayOptions(CLI::App& app, PlayFlags& flags);

/// Loads the playbooks and inventory and runs them; returns the exit code
/// (docs/ansible-compat.md: 0 ok, 2 a host failed, 4 unreachable or parse error, ...).
int RunPlay(const PlayFlags& flags);

}  // namespace tend
