#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "controller/playbook/executor.h"
#include "controller/playbook/host_state.h"

namespace tend {

/// The state of every host the run has met, created on first use (with its
/// cached facts when a fact cache is configured), and the `hostvars` view
/// over them.
class RunHosts {
 public:
  RunHosts(HostCatalog& catalog, const ExecOptions& options)
      : catalog_(catalog), options_(options) {}

  HostState& StateFor(const std::string& name);
  /// Re-reads the inventory's view of `host` (after add_host, group_by,
  /// refresh_inventory): its inventory vars, inventory_hostname, group_names.
  void RefreshMagic(HostState& host);
  /// `hostvars`: every inventory host's variables as a task sees them.
  Json BuildHostvars();
  /// Every host met, by name; read once the workers have finished.
  const std::map<std::string, std::unique_ptr<HostState>>& All() const { return hosts_; }

 private:
  HostState* Find(const std::string& name);

  HostCatalog& catalog_;
  const ExecOptions& options_;
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<HostState>> hosts_;
};

}  // namespace tend
