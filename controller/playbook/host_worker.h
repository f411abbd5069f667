#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include "controller/playbook/play_run.h"
#include "controller/playbook/task_result.h"

namespace tend {

struct RunContext;

/// The parameters an include passes down to the tasks it includes.
struct Env {
  const Json* include_params = nullptr;
  int depth = 0;
};

/// One host going through one play in its own thread: the play's sections,
/// blocks with rescue and always, handlers, and the recap's accounting.
class HostWorker {
 public:
  using Clock = std::chrono::steady_clock;

  HostWorker(RunContext& ctx, PlayRun& run, HostState& host, size_t index, bool started)
      : ctx(ctx), run(run), h(host), index(index), started_(started) {}

  /// Gathers facts, then pre_tasks, tasks and post_tasks, each with handlers.
  void Main();
  Flow RunList(const std::vector<Task>& tasks, const Env& env);
  /// The notified handlers, in the order the play lists them (flush_handlers).
  Flow RunHandlers(const Env& env);
  /// Counts an outcome in the recap; failed or unreachable hosts stop.
  Flow Account(const Task& task, const TaskOutcome& out);
  /// `register` and the facts a result carries.
  void ApplyRegister(const Task& task, const Json& result);
  /// The facts one loop item returned, seen by the items after it.
  void ApplyItemFacts(const Task& task, const Json& item_result);
  /// The play ended, or this host did (meta: end_host).
  bool Stopped() const { return run.end_play || ended; }

  /// The variables `task` sees on this host (with a loop item's, an include's).
  std::unique_ptr<TaskScope> ScopeFor(const Task* task, const Json* item_vars, const Env& env);
  std::unique_ptr<TaskTemplar> TemplarFor(const TaskScope& scope, const Task* task);

  RunContext& ctx;
  PlayRun& run;
  HostState& h;
  const size_t index;
  Position pos;
  bool ended = false;  // meta: end_host
  Clock::time_point task_start{};

 private:
  struct Frame {
    bool has_rescue;
    bool in_block;
  };

  void AfterStop();
  Flow RunBlock(const Task& block, const Env& env);
  Flow RunOne(const Task& task, const Env& env, const char* kind);
  bool Selected(const Task& task);
  void Notify(const Task& task);
  void ApplyFacts(const Task& task, const Json& result);

  std::vector<Frame> frames_;
  bool started_;
};

}  // namespace tend
