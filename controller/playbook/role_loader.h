#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controller/playbook/loader_state.h"
#include "controller/playbook/model.h"
#include "controller/playbook/task_loader.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Roles: finding them on the search path, reading their defaults, vars,
/// tasks and handlers, and adding them to a play with their meta
/// dependencies first (a role with the same params runs once unless it
/// allows duplicates).
class RoleLoader {
 public:
  RoleLoader(LoaderState& state, TaskLoader& tasks) : state_(state), tasks_(tasks) {}

  /// The play that `roles:` entries and import_role add roles and handlers to.
  void SetPlay(Play* play) { play_ = play; }

  /// One entry of a play's `roles:`; its tasks are appended to `out`.
  Expected<void> AddPlayRole(const TaskContext& ctx, const Json& entry, const std::string& ptr,
                             std::vector<Task>& out);

  /// `import_role` as a block of the role's tasks.
  Expected<Task> ImportRole(const TaskContext& ctx, const Task& import);

  /// `include_role` at run time; its handlers are not added to the play (as
  /// in Ansible, only imported roles' handlers are).
  Expected<std::shared_ptr<Role>> IncludeRole(const Json& args, const Location& where);

 private:
  struct Request {
    std::string name;
    Json params = Json::object();
    Json entry = Json::object();  // task keywords from the roles: entry
    std::string tasks_from = "main", vars_from = "main", defaults_from = "main",
                handlers_from = "main";
  };

  std::vector<std::string> SearchPath(const std::string& from_dir) const;
  Expected<std::string> Find(const std::string& name, const std::string& from_dir,
                             const Location& where) const;
  Expected<std::shared_ptr<Role>> Build(const Request& req, const std::string& from_dir,
                                        const Location& where);
  Expected<void> LoadTaskFiles(const Request& req, Role& role, const Location& where);
  Expected<Request> ParseEntry(const YamlSource& s, const Json& entry, const std::string& ptr);
  Expected<Request> RequestFromArgs(const Json& args, const Location& where);
  Expected<void> Add(const Request& req, const std::string& from_dir, const Location& where,
                     std::vector<Task>& out, const Task& inherited);
  Expected<void> AddDependencies(const Role& role, std::vector<Task>& out, const Task& inherited);
  void AddToPlay(const std::shared_ptr<Role>& role, std::vector<Task>& out,
                 const Task& inherited);

  LoaderState& state_;
  TaskLoader& tasks_;
  Play* play_ = nullptr;
  std::vector<std::string> role_stack_;  // roles being added, for recursion checks
};

}  // namespace tend
