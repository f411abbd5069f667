#include "controller/playbook/host_worker.h"

#include <fmt/format.h>

#include <algorithm>

#include "controller/playbook/includes.h"
#include "controller/playbook/run_context.h"
#include "controller/playbook/task_runner.h"

namespace tend {

std::unique_ptr<TaskScope> HostWorker::ScopeFor(const Task* task, const Json* item_vars,
                                                const Env& env) {
  return std::make_unique<TaskScope>(run.vars, h, task, item_vars, env.include_params,
                                     [this] { return ctx.hosts.BuildHostvars(); });
}

std::unique_ptr<TaskTemplar> HostWorker::TemplarFor(const TaskScope& scope, const Task* task) {
  return ctx.make_templar(scope, ContextFor(run, task));
}

void HostWorker::Main() {
  const Play& play = *run.play;
  Env env;
  pos = {0};
  bool gather = play.gather_facts.is_null() ? ctx.opt.gathering != "explicit"
                                            : JsonTruthy(play.gather_facts);
  if (gather) {
    if (RunOne(run.gather_task, env, "TASK") == Flow::kStop) return AfterStop();
  }
  struct Section {
    const std::vector<Task>* tasks;
    int index;
  };
  for (Section s :
       {Section{&play.pre_tasks, 1}, Section{&play.tasks, 3}, Section{&play.post_tasks, 5}}) {
    pos = {s.index};
    if (RunList(*s.tasks, env) == Flow::kStop) return AfterStop();
    pos = {s.index + 1};
    if (RunHandlers(env) == Flow::kStop) return AfterStop();
  }
}

// A host that failed still runs its notified handlers with --force-handlers.
void HostWorker::AfterStop() {
  bool force = ctx.opt.force_handlers || run.play->force_handlers;
  if (!force || h.unreachable || run.end_play || h.notified.empty()) return;
  pos = {7};
  bool was_failed = h.failed;
  h.failed = false;
  RunHandlers(Env{});
  h.failed = h.failed || was_failed;
}

Flow HostWorker::RunList(const std::vector<Task>& tasks, const Env& env) {
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (Stopped()) return Flow::kStop;
    pos.push_back(static_cast<int>(i));
    Flow f = RunOne(tasks[i], env, "TASK");
    pos.pop_back();
    if (f == Flow::kStop) return f;
  }
  return Stopped() ? Flow::kStop : Flow::kNext;
}

Flow HostWorker::RunHandlers(const Env& env) {
  const auto& handlers = run.play->handlers;
  for (size_t i = 0; i < handlers.size(); ++i) {
    if (!h.notified.contains(i)) continue;
    h.notified.erase(i);
    pos.push_back(static_cast<int>(i));
    Flow f = RunOne(handlers[i], env, "RUNNING HANDLER");
    pos.pop_back();
    if (f == Flow::kStop) return f;
  }
  return Flow::kNext;
}

Flow HostWorker::RunBlock(const Task& b, const Env& env) {
  frames_.push_back({!b.rescue.empty(), true});
  pos.push_back(0);
  Flow f = RunList(b.block, env);
  pos.pop_back();
  frames_.back().in_block = false;
  bool recoverable = h.failed && !h.unreachable && !Stopped();
  if (f == Flow::kStop && recoverable && !b.rescue.empty()) {
    h.failed = false;
    pos.push_back(1);
    f = RunList(b.rescue, env);
    pos.pop_back();
  }
  frames_.pop_back();
  if (!b.always.empty() && !h.unreachable && !Stopped()) {
    bool was_failed = h.failed;
    h.failed = false;
    pos.push_back(2);
    Flow fa = RunList(b.always, env);
    pos.pop_back();
    h.failed = h.failed || was_failed;
    if (fa == Flow::kStop) f = Flow::kStop;
  }
  if (h.failed || h.unreachable || Stopped()) return Flow::kStop;
  return f == Flow::kStop && !h.failed ? Flow::kNext : f;
}

// --tags/--skip-tags, and nothing before --start-at-task.
bool HostWorker::Selected(const Task& task) {
  if (!TagsSelect(task.tags, ctx.opt.tags, ctx.opt.skip_tags)) return false;
  if (started_) return true;
  const std::string& start = ctx.opt.start_at_task;
  if (task.name != start && task.DisplayName() != start) return false;
  started_ = true;
  return true;
}

Flow HostWorker::RunOne(const Task& task, const Env& env, const char* kind) {
  if (task.is_block) return RunBlock(task, env);
  if (!Selected(task)) return Flow::kNext;
  bool run_once = StaticTruthy(task.run_once);
  run.lockstep->Arrive(index, pos, &task, kind, run_once);
  if (Stopped()) return Flow::kStop;
  if (run_once) {
    if (auto result = run.run_once.Find(&task, pos)) {
      ApplyRegister(task, *result);
      return Flow::kNext;
    }
  }
  if (task.action == "include_tasks" || task.action == "include_role") {
    return RunInclude(*this, task, env);
  }
  TaskOutcome out = RunTask(*this, task, env);
  if (task.action == "meta") return Stopped() ? Flow::kStop : Flow::kNext;
  if (run_once) run.run_once.Store(&task, pos, out.result);
  return Account(task, out);
}

Flow HostWorker::Account(const Task& task, const TaskOutcome& out) {
  HostStats& s = h.stats;
  bool stops = out.status == ResultStatus::kUnreachable || out.status == ResultStatus::kFailed;
  if (stops && out.ignored) {
    ++s.ok;
    ++s.ignored;
    // A failing command under ignore_errors still changed something (Ansible's strategy).
    if (out.status == ResultStatus::kFailed && JsonTruthy(out.result.value("changed", Json(false)))) ++s.changed;
    return Flow::kNext;
  }
  switch (out.status) {
    case ResultStatus::kUnreachable:
      ++s.unreachable;
      h.unreachable = true;
      return Flow::kStop;
    case ResultStatus::kFailed: {
      bool rescuing = std::any_of(frames_.begin(), frames_.end(),
                                  [](const Frame& f) { return f.has_rescue && f.in_block; });
      if (rescuing) {
        ++s.rescued;
        std::unique_lock lock(h.mutex);
        h.host_facts["ansible_failed_task"] = {{"name", task.name}, {"action", task.action}};
        h.host_facts["ansible_failed_result"] = out.result;
      } else {
        ++s.failed;
      }
      h.failed = true;
      return Flow::kStop;
    }
    case ResultStatus::kSkipped:
      ++s.skipped;
      return Flow::kNext;
    case ResultStatus::kChanged:
      ++s.ok;
      ++s.changed;
      Notify(task);
      return Flow::kNext;
    case ResultStatus::kOk:
      ++s.ok;
      return Flow::kNext;
  }
  return Flow::kNext;
}

void HostWorker::Notify(const Task& task) {
  for (const auto& name : task.notify) {
    auto it = run.handler_index.find(name);
    if (it == run.handler_index.end()) {
      ctx.reporter.Warning(fmt::format("the handler '{}' notified by '{}' was not found", name,
                                       task.DisplayName()));
      continue;
    }
    for (size_t i : it->second) h.notified.insert(i);
  }
}

void HostWorker::ApplyRegister(const Task& task, const Json& result) {
  std::unique_lock lock(h.mutex);
  if (!task.register_as.empty()) {
    h.host_facts[task.register_as] = result;
    h.registered.insert(task.register_as);
  }
  // A loop's facts are its items', applied in item order (the last value
  // of a name wins), as Ansible's strategy walks `results`.
  auto items = result.find("results");
  if (items != result.end() && items->is_array()) {
    for (const auto& item : *items) ApplyFacts(task, item);
  } else {
    ApplyFacts(task, result);
  }
}

// Ansible's executor adds each item's facts to the variables the next item
// sees (`times: "{{ times | default([]) + [item] }}"` accumulates).
void HostWorker::ApplyItemFacts(const Task& task, const Json& item_result) {
  std::unique_lock lock(h.mutex);
  ApplyFacts(task, item_result);
}

// Caller holds h.mutex.
void HostWorker::ApplyFacts(const Task& task, const Json& result) {
  if (!result.is_object()) return;
  auto facts = result.find("ansible_facts");
  if (facts == result.end() || !facts->is_object()) return;
  if (result.contains(std::string(kFactsDelegated))) return;  // the delegate has them
  ResultStatus status = ResultStatusOf(result);
  if (status != ResultStatus::kOk && status != ResultStatus::kChanged) return;
  if (task.action == "set_fact") {
    for (const auto& [k, v] : facts->items()) {
      h.host_facts[k] = v;
      h.registered.erase(k);
    }
  } else {
    // Facts a module returns (service_facts, package_facts, getent...)
    // become host facts, as Ansible's executor adds them.
    h.SetFacts(*facts);
  }
}

}  // namespace tend
