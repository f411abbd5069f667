#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "controller/playbook/host_state.h"
#include "controller/playbook/lockstep.h"
#include "controller/playbook/model.h"
#include "controller/playbook/templating.h"

namespace tend {

/// Results of `run_once` tasks, by task and position, for the other hosts
/// of the batch to take instead of running the task. Thread-safe.
class RunOnceResults {
 public:
  std::optional<Json> Find(const Task* task, const Position& position) {
    std::lock_guard lock(mutex_);
    auto it = results_.find({task, position});
    if (it == results_.end()) return std::nullopt;
    return it->second;
  }
  void Store(const Task* task, const Position& position, const Json& result) {
    std::lock_guard lock(mutex_);
    results_[{task, position}] = result;
  }
  /// run_once runs once per serial batch.
  void Clear() {
    std::lock_guard lock(mutex_);
    results_.clear();
  }

 private:
  std::mutex mutex_;
  std::map<std::pair<const Task*, Position>, Json> results_;
};

/// One play as its host workers share it.
struct PlayRun {
  const Play* play = nullptr;
  PlayVars vars;
  std::vector<HostState*> batch;
  std::atomic<bool> end_play{false};
  size_t failed_seen = 0;  // failed hosts of the batch at the last group's end
  std::unique_ptr<Lockstep> lockstep;
  std::map<std::string, std::vector<size_t>> handler_index;  // notify name → handlers
  Task gather_task;
  TemplarContext templar_context;
  RunOnceResults run_once;
};

/// Where a relative file of `task` is looked for: the role's templates/,
/// files/, tasks/ and the role, the task file's directory, then the play's.
TemplarContext ContextFor(const PlayRun& run, const Task* task);

}  // namespace tend
