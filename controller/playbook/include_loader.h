#pragma once

#include <string>
#include <vector>

#include "controller/playbook/loader_state.h"
#include "controller/playbook/model.h"
#include "controller/playbook/task_loader.h"
#include "core/error.h"

namespace tend {

/// Task files pulled in by other tasks: `import_tasks` is inlined at load
/// time; `include_tasks` is read when the include first runs, once for all
/// hosts, so its errors fail the include on the hosts that run it.
class IncludeLoader {
 public:
  IncludeLoader(LoaderState& state, TaskLoader& tasks) : state_(state), tasks_(tasks) {}

  /// The imported tasks as one block that carries the import's keywords.
  Expected<Task> ImportTasks(const TaskContext& ctx, const Task& import);

  /// An include_tasks file at run time, from the cache or read now.
  Expected<const std::vector<Task>*> IncludeAtRunTime(const std::string& path, const Role* role,
                                                      const Location& where,
                                                      const std::vector<std::string>& collections);

 private:
  LoaderState& state_;
  TaskLoader& tasks_;
};

}  // namespace tend
