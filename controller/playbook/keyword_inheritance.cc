#include "controller/playbook/keyword_inheritance.h"

#include <algorithm>

#include "controller/playbook/loader.h"
#include "controller/playbook/task_keywords.h"
#include "controller/playbook/vars_files.h"

namespace tend {
namespace {

// The keywords that pass down as values (the child's own value wins), by name.
constexpr std::pair<const char*, Json Task::*> kKeywordFields[] = {
    {"ignore_errors", &Task::ignore_errors}, {"ignore_unreachable", &Task::ignore_unreachable},
    {"delegate_to", &Task::delegate_to},     {"run_once", &Task::run_once},
    {"check_mode", &Task::check_mode},       {"diff", &Task::diff},
    {"no_log", &Task::no_log},               {"environment", &Task::environment},
    {"become", &Task::become},               {"become_user", &Task::become_user},
    {"become_method", &Task::become_method}, {"throttle", &Task::throttle},
    {"any_errors_fatal", &Task::any_errors_fatal}, {"timeout", &Task::timeout},
    {"become_flags", &Task::become_flags},   {"become_exe", &Task::become_exe},
    {"connection", &Task::connection},       {"remote_user", &Task::remote_user},
    {"port", &Task::port},                   {"delegate_facts", &Task::delegate_facts}};

}  // namespace

void Inherit(const Task& parent, Task& child) {
  if (!parent.when.empty()) {
    child.when.insert(child.when.begin(), parent.when.begin(), parent.when.end());
  }
  for (const auto& t : parent.tags) {
    if (std::find(child.tags.begin(), child.tags.end(), t) == child.tags.end()) {
      child.tags.push_back(t);
    }
  }
  for (const auto& [k, v] : parent.vars.items()) {
    if (!child.vars.contains(k)) child.vars[k] = v;
  }
  for (const auto& [key, field] : kKeywordFields) {
    if ((child.*field).is_null() && !(parent.*field).is_null()) child.*field = parent.*field;
  }
  // module_defaults merge, the nearer block's value for a module winning.
  if (parent.module_defaults.is_object()) {
    if (!child.module_defaults.is_object()) child.module_defaults = Json::object();
    for (const auto& [module, defaults] : parent.module_defaults.items()) {
      if (!child.module_defaults.contains(module)) child.module_defaults[module] = defaults;
    }
  }
  // A block's `notify` is its tasks' when they name none.
  if (child.notify.empty()) child.notify = parent.notify;
  if (child.role == nullptr) child.role = parent.role;
  for (auto* list : {&child.block, &child.rescue, &child.always}) {
    for (auto& grandchild : *list) Inherit(parent, grandchild);
  }
}

Task KeywordsFrom(const Json& entry) {
  Task t;
  for (const auto& [key, field] : kKeywordFields) {
    t.*field = entry.contains(key) ? entry[key] : Json();
  }
  if (entry.contains("module_defaults") && entry["module_defaults"].is_object()) {
    t.module_defaults = entry["module_defaults"];
  }
  if (entry.contains("notify")) t.notify = ToStringList(entry["notify"], false);
  return t;
}

Task InheritedFrom(const Json& entry) {
  Task t = KeywordsFrom(entry);
  if (entry.contains("when")) t.when = Conditions(entry["when"]);
  if (entry.contains("tags")) t.tags = ToStringList(entry["tags"], true);
  if (entry.contains("vars")) t.vars = MergeVarsList(entry["vars"]);
  return t;
}

void SetRole(std::vector<Task>& tasks, const Role* role) {
  for (auto& t : tasks) {
    t.role = role;
    SetRole(t.block, role);
    SetRole(t.rescue, role);
    SetRole(t.always, role);
  }
}

}  // namespace tend
