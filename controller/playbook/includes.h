#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "controller/playbook/model.h"
#include "controller/playbook/task_result.h"

namespace tend {

class HostWorker;
struct Env;

/// Task lists and roles included at run time, kept for the rest of the run:
/// hosts may still be positioned in them. Thread-safe.
class IncludedTasks {
 public:
  const std::vector<Task>& Keep(std::vector<Task> tasks);
  const Role& Keep(std::shared_ptr<Role> role);

 private:
  std::mutex mutex_;
  std::vector<std::unique_ptr<std::vector<Task>>> task_lists_;
  std::vector<std::shared_ptr<Role>> roles_;
};

/// include_tasks / include_role: once, or once per loop item, each with its
/// own `when`; the included tasks run in this worker.
Flow RunInclude(HostWorker& w, const Task& task, const Env& env);

}  // namespace tend
