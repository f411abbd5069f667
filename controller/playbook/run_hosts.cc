#include "controller/playbook/run_hosts.h"

#include "controller/connection/fact_cache.h"

namespace tend {

HostState& RunHosts::StateFor(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = hosts_[name];
  if (!slot) {
    slot = std::make_unique<HostState>();
    slot->name = name;
    if (!options_.fact_cache_dir.empty() && !options_.flush_cache) {
      if (auto cached = ReadCachedFacts(options_.fact_cache_dir, name, options_.fact_cache_ttl)) {
        slot->SetFacts(*cached);
      }
    }
  }
  return *slot;
}

void RunHosts::RefreshMagic(HostState& h) {
  std::unique_lock lock(h.mutex);
  h.inventory = catalog_.HostVars(h.name);
  h.magic["inventory_hostname"] = h.name;
  h.magic["inventory_hostname_short"] = h.name.substr(0, h.name.find('.'));
  h.magic["group_names"] = catalog_.GroupNames(h.name);
  bool local = options_.connection.connection == ConnectionType::kLocal || h.name == "localhost";
  h.connection_vars = {{"ansible_host", h.name}, {"ansible_connection", local ? "local" : "ssh"}};
}

HostState* RunHosts::Find(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = hosts_.find(name);
  return it == hosts_.end() ? nullptr : it->second.get();
}

Json RunHosts::BuildHostvars() {
  Json out = Json::object();
  for (const auto& name : catalog_.AllHosts()) {
    Json vars = catalog_.HostVars(name);
    if (HostState* h = Find(name)) {
      std::shared_lock lock(h->mutex);
      for (const auto& [k, v] : h->facts.items()) vars[k] = v;
      vars["ansible_facts"] = h->facts_short;
      for (const auto& [k, v] : h->include_vars.items()) vars[k] = v;
      for (const auto& [k, v] : h->host_facts.items()) vars[k] = v;
      for (const auto& [k, v] : h->magic.items()) vars[k] = v;
    } else {
      vars["inventory_hostname"] = name;
      vars["group_names"] = catalog_.GroupNames(name);
    }
    out[name] = std::move(vars);
  }
  return out;
}

}  // namespace tend
