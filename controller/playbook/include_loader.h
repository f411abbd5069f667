#pragma once

#include <string>
#include <vector>

#include "controller/playbook/loader_state.h"
#include "controller/playbook/model.h"
#include "controller/playbook/task_loader.h"
#include "core/error.h"

namespace tend {

/// Task files pulled in by other tasks: `import_tasks` is inlined at load
/// time; `include_tasks` is read at load time when its file name is plain
/// (so errors come early) and otherwise at run time, once for all hosts.
class IncludeLoader {
 public:
  IncludeLoader(LoaderState& state, TaskLoader& tasks) : state_(state), tasks_(tasks) {}

  /// The imported tasks as one block that carries the import's keywords.
  Expected<Task> ImportTasks(const TaskContext& ctx, const Task& import);

  /// Loads and caches an include_tasks file named without templates.
  Expected<void> Preload(const TaskContext& ctx, const Task& include);

  /// An include_tasks file at run time, from the cache or read now.
  Expected<const std::vector<Task>*> IncludeAtRunTime(const std::string& path, const Role* role,
                                                      const Location& where);

 private:
  LoaderState& state_;
  TaskLoader& tasks_;
};

}  // namespace tend
