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
    {"timeout", &Task::timeout},             {"any_errors_fatal", &Task::any_errors_fatal}};

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
  if (child.role == nullptr) child.role = parent.role;
  for (auto* list : {&child.block, &child.rescue, &child.always}) {
    for (auto& grandchild : *list) Inherit(parent, grandchild);
  }
}

Task InheritedFrom(const Json& entry) {
  Task t;
  if (entry.contains("when")) t.when = Conditions(entry["when"]);
  if (entry.contains("tags")) t.tags = ToStringList(entry["tags"], true);
  if (entry.contains("vars")) t.vars = MergeVarsList(entry["vars"]);
  for (const auto& [key, field] : kKeywordFields) {
    t.*field = entry.contains(key) ? entry[key] : Json();
  }
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
