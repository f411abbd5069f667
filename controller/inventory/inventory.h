#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "controller/vault/vault.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

struct InventoryOptions {
  /// Decrypts vaulted group_vars/host_vars files and `!vault` values; may be null.
  const VaultSecrets* secrets = nullptr;
  /// How long an inventory script may run for `--list` (and each `--host`).
  std::chrono::milliseconds script_timeout{std::chrono::seconds(60)};
  /// Terraform: use the public address as ansible_host instead of the private one.
  bool terraform_public_ip = false;
  /// Decrypt `!vault` values in vars files at load time (needs `secrets`);
  /// `tend inventory` keeps them encrypted, as ansible-inventory prints them.
  bool decrypt_inline_vault = true;
  /// Receives warnings ("[WARNING]: ..." text without the prefix); default: stderr.
  std::function<void(const std::string&)> warn;
};

/// Hosts, groups and their variables, read from one or more sources.
/// Hosts keep definition order (the order Ansible runs them in).
class Inventory {
 public:
  struct Group {
    std::string name;
    Json vars = Json::object();
    std::vector<std::string> hosts;     ///< direct members, in order added
    std::vector<std::string> children;  ///< in order added
    std::vector<std::string> parents;
    int priority = 1;                   ///< ansible_group_priority
    int depth = 0;                      ///< longest path from `all`
  };
  struct Host {
    std::string name;
    Json vars = Json::object();         ///< inventory-source host vars
    std::vector<std::string> groups;    ///< direct groups, in order added
    bool implicit = false;              ///< the implicit localhost
  };

  Inventory();
  Inventory(Inventory&&) noexcept;
  Inventory& operator=(Inventory&&) noexcept;
  ~Inventory();

  /// Host names in definition order (the implicit localhost excluded).
  const std::vector<std::string>& HostNames() const;
  /// Group names in definition order, `all` and `ungrouped` first.
  std::vector<std::string> GroupNamesAll() const;
  bool HasHost(std::string_view name) const;
  bool HasGroup(std::string_view name) const;
  const Host* FindHost(std::string_view name) const;
  const Group* FindGroup(std::string_view name) const;

  /// Hosts matching an Ansible pattern ("web:&prod:!db[0:2]", "~re", "*.x",
  /// "localhost" → the implicit localhost when not defined), in inventory
  /// order, restricted by Limit(). No match is an empty list, not an error;
  /// a malformed pattern (bad regex, bad subscript) is an error.
  Expected<std::vector<std::string>> Match(std::string_view pattern) const;
  /// Restricts later Match() calls like `--limit` (patterns joined by ',' or
  /// ':'; "@file" reads one pattern per line). An empty limit clears it.
  Expected<void> Limit(std::string_view limit);

  /// docs/ansible-compat.md precedence layers 2–4 merged: group vars (all first, then by
  /// depth, then name; inventory sources, then group_vars/ beside the
  /// inventory, then beside the playbook), then host vars the same way.
  /// Unknown hosts give an empty object.
  Json HostVars(std::string_view host) const;
  /// Reads group_vars/ and host_vars/ under `dir` (beside the playbook); they
  /// rank above the inventory's own. Missing folders are fine.
  Expected<void> AddPlaybookVarsDir(const std::string& dir);

  /// The `group_names` magic variable: the host's groups (ancestors too)
  /// except `all`, sorted.
  std::vector<std::string> GroupNames(std::string_view host) const;
  /// The `groups` magic variable: {"all": [...], "ungrouped": [...], "g": [...]}.
  Json GroupsJson() const;

  /// For add_host / group_by at run time; groups are created as needed (as
  /// children of `all`), vars merge into the host's inventory vars.
  void AddHost(const std::string& name, const std::vector<std::string>& groups = {},
               const Json& vars = Json::object());
  /// Creates `name` (no-op if it exists) under `parent` ("all" by default).
  Expected<void> AddGroup(const std::string& name, const std::string& parent = "all");

  /// `ansible-inventory --list` JSON (vars folded into _meta.hostvars).
  Json ListJson() const;
  /// `ansible-inventory --graph [group] [--vars]` text.
  Expected<std::string> Graph(std::string_view group = "all", bool with_vars = false) const;

  // Used by the sources (inventory_sources.cc); not for callers.
  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

/// Reads each `-i` source in order into one inventory: an INI or YAML file,
/// an executable script, a Terraform state, a directory (every entry in name
/// order, plus its group_vars/ and host_vars/), or "h1,h2," host lists.
/// Group and host vars files beside each file source are read too.
Expected<Inventory> LoadInventory(const std::vector<std::string>& sources,
                                  const InventoryOptions& options);

}  // namespace tend
