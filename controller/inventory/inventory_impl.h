#pragma once

// The inventory's internals, shared by the model (inventory.cc) and the
// sources that fill it (inventory_sources.cc, terraform_source.cc).

#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "controller/inventory/inventory.h"

namespace tend {

/// group_vars/ and host_vars/ of one directory, loaded per entity name.
struct VarsDir {
  std::string dir;
  std::unordered_map<std::string, Json> groups;  // only names that have files
  std::unordered_map<std::string, Json> hosts;
};

struct Inventory::Impl {
  std::vector<Host> hosts;
  std::unordered_map<std::string, size_t> host_at;
  std::vector<std::string> host_names;
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> group_at;
  std::vector<VarsDir> inventory_vars;  // beside each -i source, in order
  std::vector<VarsDir> playbook_vars;
  std::vector<std::string> limit;       // patterns; empty = no limit
  mutable std::unique_ptr<Host> implicit_localhost;
  mutable std::mutex implicit_mutex;
  InventoryOptions options;

  Impl();
  Group& EnsureGroup(const std::string& name);
  Host& EnsureHost(const std::string& name);
  Group* FindGroup(std::string_view name);
  const Group* FindGroup(std::string_view name) const;
  const Host* FindHost(std::string_view name) const;
  void AddHostToGroup(const std::string& host, const std::string& group);
  /// Fails when it would make a group its own ancestor.
  Expected<void> AddChild(const std::string& parent, const std::string& child, const Location& where);
  void SetGroupVar(const std::string& group, const std::string& key, Json value);
  /// Puts parentless groups under `all`, groupless hosts in `ungrouped`, and
  /// recomputes depths.
  void Reconcile();
  /// Loads group_vars/host_vars under `dir` for every known group and host.
  Expected<void> LoadVarsDir(VarsDir& vars) const;
  void Warn(const std::string& text) const;
  /// The host's groups and all their ancestors (without `all`), sorted as
  /// Ansible merges them: depth, priority, name.
  std::vector<const Group*> SortedGroups(const Host& host) const;
  Expected<std::vector<std::string>> Evaluate(const std::vector<std::string>& patterns) const;
  Expected<std::vector<std::string>> MatchOne(std::string_view pattern) const;
  std::vector<std::string> GroupHosts(const Group& group) const;
};

/// Splits a pattern string the way Ansible does: on ',' if present, else on
/// ':' outside brackets (unless the whole thing is one host:port or IPv6).
std::vector<std::string> SplitHostPattern(std::string_view pattern);

/// Parses one INI inventory text into `inv`.
Expected<void> ParseIniInventory(std::string_view text, const std::string& file, Inventory::Impl& inv);
/// Parses `script --list` output (and runs --host when _meta is missing).
Expected<void> ParseScriptInventory(const std::string& script, Inventory::Impl& inv);
/// Terraform state (v4), `terraform show -json`, or a project directory.
Expected<void> ParseTerraformState(const Json& state, const std::string& file, Inventory::Impl& inv);
Expected<void> LoadTerraformSource(const std::string& path, Inventory::Impl& inv);
/// True for a file that looks like Terraform state, or a folder with *.tf / terraform.tfstate.
bool IsTerraformSource(const std::string& path);

}  // namespace tend
