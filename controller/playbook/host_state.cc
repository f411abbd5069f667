#include "controller/playbook/host_state.h"

#include <algorithm>
#include <filesystem>

namespace tend {
namespace {

const Json* FindIn(const Json* layer, std::string_view name) {
  if (layer == nullptr || !layer->is_object()) return nullptr;
  auto it = layer->find(name);
  return it == layer->end() ? nullptr : &*it;
}

// Ansible's ansible_search_path: the role's directory, the directory of the
// task's file, then the playbook's, each once (where lookups look for files).
Json SearchPath(const Task& task, const Json* playbook_dir) {
  Json paths = Json::array();
  auto add = [&](const std::string& dir) {
    if (!dir.empty() && std::find(paths.begin(), paths.end(), Json(dir)) == paths.end()) {
      paths.push_back(dir);
    }
  };
  if (task.role != nullptr) add(task.role->path);
  if (!task.file.empty()) add(std::filesystem::path(task.file).parent_path().string());
  if (playbook_dir != nullptr && playbook_dir->is_string()) add(playbook_dir->get<std::string>());
  return paths;
}

}  // namespace

void HostState::SetFacts(const Json& ansible_facts) {
  // As Ansible injects facts as variables: under the name the module gave
  // (setup's `ansible_hostname`, getent's `getent_passwd`), and in
  // `ansible_facts` without the `ansible_` prefix.
  for (const auto& [k, v] : ansible_facts.items()) {
    std::string short_name = k.starts_with("ansible_") ? k.substr(8) : k;
    facts[k] = v;
    facts_short[short_name] = v;
  }
}

TaskScope::TaskScope(const PlayVars& play, const HostState& host, const Task* task,
                     const Json* item_vars, const Json* include_params,
                     std::function<Json()> hostvars)
    : play_(play),
      host_(host),
      task_(task),
      item_vars_(item_vars),
      include_params_(include_params),
      hostvars_builder_(std::move(hostvars)) {}

bool TaskScope::Unsafe(std::string_view name) const {
  if (!host_.registered.contains(name)) return false;
  auto it = host_.host_facts.find(std::string(name));
  return it != host_.host_facts.end() && Find(name) == &*it;
}

const Json* TaskScope::Find(std::string_view name) const {
  // Magic variables first: users cannot override them.
  if (const Json* v = FindIn(&host_.magic, name)) return v;
  if (const Json* v = FindIn(&play_.magic, name)) return v;
  const Role* role = task_ ? task_->role : nullptr;
  if (name == "hostvars") {
    if (!hostvars_) hostvars_ = hostvars_builder_ ? hostvars_builder_() : Json::object();
    return &*hostvars_;
  }
  if (name == "role_name" || name == "ansible_role_name" || name == "role_path") {
    if (role == nullptr) return nullptr;
    auto [it, _] =
        computed_.emplace(std::string(name), Json(name == "role_path" ? role->path : role->name));
    return &it->second;
  }
  if (name == "ansible_search_path" && task_ != nullptr) {
    auto [it, _] = computed_.emplace(std::string(name),
                                     SearchPath(*task_, FindIn(&play_.magic, "playbook_dir")));
    return &it->second;
  }
  if (const Json* v = FindIn(play_.extra_vars, name)) return v;
  if (const Json* v = FindIn(item_vars_, name)) return v;
  if (const Json* v = FindIn(include_params_, name)) return v;
  if (role != nullptr) {
    if (const Json* v = FindIn(&role->params, name)) return v;
  }
  if (const Json* v = FindIn(&host_.host_facts, name)) return v;
  if (const Json* v = FindIn(&host_.include_vars, name)) return v;
  if (task_ != nullptr) {
    if (const Json* v = FindIn(&task_->vars, name)) return v;
  }
  if (role != nullptr) {
    if (const Json* v = FindIn(&role->vars, name)) return v;
  }
  if (const Json* v = FindIn(&play_.role_vars_all, name)) return v;
  if (const Json* v = FindIn(&play_.play_vars, name)) return v;
  if (name == "ansible_facts") return &host_.facts_short;
  // Host facts rank below play vars and above inventory vars.
  if (const Json* v = FindIn(&host_.facts, name)) return v;
  if (const Json* v = FindIn(&host_.inventory, name)) return v;
  if (role != nullptr) {
    if (const Json* v = FindIn(&role->defaults, name)) return v;
  }
  if (const Json* v = FindIn(&play_.role_defaults_all, name)) return v;
  return FindIn(&host_.connection_vars, name);
}

}  // namespace tend
