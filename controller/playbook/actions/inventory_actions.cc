// add_host and group_by: actions that change the run's inventory.

#include "controller/playbook/actions/action_table.h"
#include "controller/playbook/run_context.h"

namespace tend {
namespace {

bool IsAddHostKey(const std::string& k) {
  return k == "name" || k == "hostname" || k == "host" || k == "groups" || k == "group" ||
         k == "groupname";
}

// Adds `host` to `groups` and refreshes the play's `groups` variable. Returns
// whether a host or a group membership was new, which Ansible reports as
// `changed` (its strategy's _add_host and _add_group).
bool AddToInventory(HostWorker& w, const std::string& host, const std::vector<std::string>& groups,
                    const Json& vars) {
  std::lock_guard lock(w.ctx.inventory_mutex);
  Json before = w.ctx.catalog.GroupsJson();
  w.ctx.catalog.AddHost(host, groups, vars);
  Json after = w.ctx.catalog.GroupsJson();
  bool changed = before != after;
  w.run.vars.magic["groups"] = std::move(after);
  return changed;
}

}  // namespace

Json RunAddHost(const ActionCall& call) {
  const Json& args = call.args;
  std::string name;
  for (const char* k : {"name", "hostname", "host"}) {
    if (args.contains(k)) name = args[k].get<std::string>();
  }
  if (name.empty()) return FailResult("add_host needs 'name'");
  std::vector<std::string> groups;
  for (const char* k : {"groups", "group", "groupname"}) {
    if (args.contains(k)) {
      for (const auto& g : ToStringList(args[k], true)) groups.push_back(g);
    }
  }
  Json vars = Json::object();
  for (const auto& [k, v] : args.items()) {
    if (!IsAddHostKey(k)) vars[k] = v;
  }
  bool changed = AddToInventory(call.worker, name, groups, vars);
  return Json{{"add_host", {{"host_name", name}, {"groups", groups}, {"host_vars", vars}}},
              {"changed", changed}};
}

Json RunGroupBy(const ActionCall& call) {
  HostWorker& w = call.worker;
  std::string key = call.args.value("key", "");
  if (key.empty()) return FailResult("group_by needs 'key'");
  std::vector<std::string> parents = ToStringList(call.args.value("parents", Json("all")), true);
  bool changed = AddToInventory(w, w.h.name, {key}, Json::object());
  w.ctx.hosts.RefreshMagic(w.h);
  return Json{{"add_group", key}, {"changed", changed}, {"parent_groups", parents}};
}

}  // namespace tend
