#pragma once

#include <string>
#include <vector>

#include "controller/playbook/loader_state.h"
#include "controller/playbook/model.h"
#include "controller/playbook/yaml_source.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

class IncludeLoader;
class RoleLoader;

/// Where a list of tasks is read from: its file, the role it belongs to, and
/// whether it holds handlers.
struct TaskContext {
  const YamlSource* src;
  const Role* role;
  bool handler;
  /// The `collections:` search list of the enclosing play, block or role.
  std::vector<std::string> collections{};
};

/// The value of a `collections:` keyword: a name or a list of names.
Expected<std::vector<std::string>> CollectionsKeyword(const Json& value);

/// `ctx` under the `collections:` keyword of the play, block or task `t`:
/// the nearest one replaces the list, as in Ansible. A value that is not a
/// name or a list of names is a located error.
Expected<TaskContext> WithCollections(const TaskContext& ctx, const Json& t, const std::string& ptr);

/// Reads task lists and task files into Tasks: each task's action and
/// keywords, blocks, and the static imports that are inlined at load time.
class TaskLoader {
 public:
  TaskLoader(LoaderState& state, IncludeLoader& includes, RoleLoader& roles)
      : state_(state), includes_(includes), roles_(roles) {}

  Expected<std::vector<Task>> LoadList(const TaskContext& ctx, const Json& list,
                                       const std::string& ptr);

  /// A whole task file; `what` names the kind of load in a recursion error.
  /// `collections` is the search list in effect where the file is loaded.
  Expected<std::vector<Task>> LoadFile(const std::string& path, const Role* role,
                                       const Location& where, const char* what, bool handler,
                                       const std::vector<std::string>& collections);

 private:
  Expected<Task> LoadTask(const TaskContext& ctx, const Json& t, const std::string& ptr);

  LoaderState& state_;
  IncludeLoader& includes_;
  RoleLoader& roles_;
};

}  // namespace tend
