#pragma once

#include <map>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "controller/playbook/model.h"
#include "controller/playbook/reporter.h"
#include "controller/template/template.h"
#include "core/json.h"

namespace tend {

/// Everything the run knows about one host. Only the host's own worker
/// writes it (under `mutex`); `hostvars` readers take the shared lock.
struct HostState {
  std::string name;
  Json inventory = Json::object();     // docs/ansible-compat.md layers 2–4
  Json facts = Json::object();         // ansible_* names, layer 5
  Json facts_short = Json::object();   // ansible_facts (names without the prefix)
  Json host_facts = Json::object();    // set_fact and register, layer 8
  // The host_facts that are registered results: data, never templated again.
  std::set<std::string, std::less<>> registered;
  Json include_vars = Json::object();  // include_vars, layer 7
  Json magic = Json::object();         // inventory_hostname, group_names, ...
  // ansible_host and ansible_connection as Ansible's PlayContext.update_vars
  // adds them: the lowest layer, only where nothing else defines them.
  Json connection_vars = Json::object();
  HostStats stats;
  bool failed = false;
  bool unreachable = false;
  bool facts_gathered = false;
  std::string gathered_with;  // the setup arguments of the last gathering
  std::set<size_t> notified;  // indices into the play's handlers
  mutable std::shared_mutex mutex;

  void SetFacts(const Json& ansible_facts);
};

/// The variables of a play that every host shares, fixed when the play starts.
struct PlayVars {
  Json play_vars = Json::object();      // vars, vars_prompt, vars_files
  Json role_vars_all = Json::object();  // every role's vars/ (not private)
  Json role_defaults_all = Json::object();
  Json magic = Json::object();  // groups, play_hosts, playbook_dir, ...
  const Json* extra_vars = nullptr;
};

/// Variables one task sees on one host, highest precedence first (docs/ansible-compat.md).
class TaskScope : public Scope {
 public:
  TaskScope(const PlayVars& play, const HostState& host, const Task* task, const Json* item_vars,
            const Json* include_params, std::function<Json()> hostvars);
  const Json* Find(std::string_view name) const override;
  bool Unsafe(std::string_view name) const override;

 private:
  const PlayVars& play_;
  const HostState& host_;
  const Task* task_;
  const Json* item_vars_;
  const Json* include_params_;
  std::function<Json()> hostvars_builder_;
  mutable std::optional<Json> hostvars_;
  mutable std::map<std::string, Json, std::less<>> computed_;
};

}  // namespace tend
