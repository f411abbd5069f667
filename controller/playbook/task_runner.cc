#include "controller/playbook/task_runner.h"

#include <fmt/format.h>

#include <chrono>
#include <optional>
#include <thread>

#include "controller/playbook/actions/action_table.h"
#include "controller/playbook/loops.h"
#include "controller/playbook/module_names.h"
#include "controller/playbook/run_context.h"

namespace tend {
namespace {

// Module defaults of the task's blocks and the play fill what the task leaves out; an argument the
// action reads raw (assert's `that`, debug's `var`) is not templated here.
Expected<Json> RenderArgs(HostWorker& w, const Task& task, TaskTemplar& templar,
                          const ControllerAction* action) {
  Json raw = task.args;
  Json kept = Json::object();
  if (action != nullptr && !action->raw_arg.empty() && raw.contains(action->raw_arg)) {
    std::string key(action->raw_arg);
    kept[key] = raw[key];
    raw.erase(key);
  }
  // The task's (and its blocks') module_defaults before the play's.
  for (const Json* defaults : {&task.module_defaults, &w.run.play->module_defaults}) {
    if (!defaults->is_object()) continue;
    for (const std::string& key : {task.action, std::string("ansible.builtin.") + task.action}) {
      if (!defaults->contains(key) || !(*defaults)[key].is_object()) continue;
      for (const auto& [k, v] : (*defaults)[key].items()) {
        if (!raw.contains(k)) raw[k] = v;
      }
    }
  }
  auto rendered = templar.RenderValue(raw, WhereText(task, "args"));
  if (!rendered) return rendered;
  DropOmitted(*rendered);
  for (const auto& [k, v] : kept.items()) (*rendered)[k] = v;
  return rendered;
}

// `action: "{{ ansible_facts.pkg_mgr }}"`: the task with its module named.
Expected<Task> WithRenderedAction(const Task& task, TaskTemplar& templar) {
  auto name = templar.RenderValue(Json(task.action), WhereText(task, "action"));
  if (!name) return std::unexpected(name.error());
  std::string module = name->is_string() ? name->get<std::string>() : name->dump();
  std::string action = ResolveActionName(module, task.collections);
  if (action.empty()) {
    return Fail(fmt::format("couldn't resolve module/action '{}'", module), task.where);
  }
  // Includes are decided at load time; a template cannot name one.
  if (IsIncludeAction(action)) {
    return Fail(fmt::format("'{}' cannot be named by a template in 'action'", module), task.where);
  }
  Task named = task;
  named.action = std::move(action);
  return named;
}

// What the loader found that fails the task on every host that runs it.
std::optional<Error> CannotRun(const Task& task) {
  // A module tend has no native implementation of runs as Ansible's Python
  // code (RemoteCalls::RunPython), or fails there saying why it cannot.
  if (task.args_error) return task.args_error;
  return std::nullopt;
}

// A controller action from the table, or a module on the host.
Json RunAction(HostWorker& w, const Task& task, TaskTemplar& templar) {
  if (IsTemplatedAction(task.action)) {
    auto named = WithRenderedAction(task, templar);
    if (!named) return FailResult(named.error().ToString());
    return RunAction(w, *named, templar);
  }
  if (auto problem = CannotRun(task)) return FailResult(problem->ToString());
  const ControllerAction* action = FindControllerAction(task.action);
  auto args = RenderArgs(w, task, templar, action);
  if (!args) return FailResult(args.error().ToString());
  if (action != nullptr) {
    ActionCall call{w, task, templar, *args};
    return action->run(call);
  }
  return w.ctx.remote.Run(w, task, templar, std::move(*args));
}

// Conditions that see the result under the register name (changed_when,
// failed_when, until). An error fails the task and, as Ansible's executor
// does, leaves its text in `<what>_result` (`changed_when_result`...).
std::optional<bool> EvaluateAll(HostWorker& w, const Task& task, TaskTemplar& templar,
                                const std::vector<std::string>& conditions, Json& result, const char* what) {
  if (!task.register_as.empty()) {
    std::unique_lock lock(w.h.mutex);
    w.h.host_facts[task.register_as] = result;
    w.h.registered.insert(task.register_as);
  }
  for (const auto& c : conditions) {
    auto ok = templar.Condition(c, WhereText(task, what));
    if (!ok) {
      std::string error = ok.error().message.starts_with("The conditional check")
                              ? ok.error().ToString()
                              : fmt::format("The conditional check '{}' failed. The error was: {}", c,
                                            ok.error().ToString());
      result["failed"] = true;
      result[fmt::format("{}_result", what)] = error;
      if (!result.contains("msg") || result["msg"] == "") result["msg"] = error;
      return std::nullopt;
    }
    if (!*ok) return false;
  }
  return true;
}

// A failed or false `when` as the outcome, or nothing when the task runs.
std::optional<TaskOutcome> CheckWhen(const Task& task, TaskTemplar& templar) {
  for (const auto& cond : task.when) {
    auto ok = templar.Condition(cond, WhereText(task, "when"));
    if (!ok) {
      // The templar already words an undefined variable as Ansible does.
      std::string error = ok.error().message.starts_with("The conditional check")
                              ? ok.error().ToString()
                              : fmt::format("The conditional check '{}' failed. The error was: {}", cond,
                                            ok.error().ToString());
      return TaskOutcome{ResultStatus::kFailed, false, false, FailResult(error)};
    }
    if (!*ok) return TaskOutcome{ResultStatus::kSkipped, false, false, SkipResult(cond)};
  }
  return std::nullopt;
}

struct Retries {
  int count = 1;
  double delay = 5;
};

// Attempts under `until`: the first and then `retries` more (3 unless set;
// 0 or less means one attempt), as Ansible's executor counts them.
Retries RetriesFor(const Task& task, TaskTemplar& templar) {
  Retries r;
  if (task.until.empty()) return r;
  int retries = 3;
  auto n = templar.RenderValue(task.retries, WhereText(task, "retries"));
  if (n && n->is_number())
    retries = n->get<int>();
  else if (n && n->is_string())
    retries = std::atoi(n->get<std::string>().c_str());
  r.count = retries <= 0 ? 1 : retries + 1;
  auto d = templar.RenderValue(task.delay, WhereText(task, "delay"));
  if (d && d->is_number()) r.delay = d->get<double>();
  return r;
}

// changed_when, then failed_when, on one attempt's result (an error in
// changed_when skips failed_when).
void ApplyResultConditions(HostWorker& w, const Task& task, TaskTemplar& templar, Json& result) {
  if (result.value("unreachable", false) || result.value("skipped", false)) return;
  if (!task.changed_when.empty()) {
    auto changed = EvaluateAll(w, task, templar, task.changed_when, result, "changed_when");
    if (!changed) return;
    result["changed"] = *changed;
  }
  if (task.failed_when.empty()) return;
  if (auto failed = EvaluateAll(w, task, templar, task.failed_when, result, "failed_when")) {
    result["failed_when_result"] = *failed;
    result["failed"] = *failed;
  }
}

// The action, again while `until` is false and attempts remain. As in
// Ansible's executor, changed_when and failed_when apply to each attempt
// before `until` sees it, `until` does not clear a failure, and a task out of
// attempts reports one fewer than it made.
Json RunUntil(HostWorker& w, const Task& task, TaskTemplar& templar) {
  Retries retries = RetriesFor(task, templar);
  Json result;
  for (int attempt = 1;; ++attempt) {
    result = RunAction(w, task, templar);
    bool retrying = !task.until.empty() && !result.value("unreachable", false);
    if (retrying) result["attempts"] = attempt;
    ApplyResultConditions(w, task, templar, result);
    if (!retrying) break;
    auto until = EvaluateAll(w, task, templar, task.until, result, "until");
    if (!until || *until) break;
    if (attempt >= retries.count) {
      if (retries.count > 1) result["attempts"] = retries.count - 1;
      result["failed"] = true;
      break;
    }
    w.ctx.reporter.Note(fmt::format("FAILED - RETRYING: [{}]: {} ({} retries left).", w.h.name,
                                    task.DisplayName(), retries.count - attempt));
    std::this_thread::sleep_for(std::chrono::duration<double>(retries.delay));
  }
  return result;
}

}  // namespace

TaskOutcome RunTask(HostWorker& w, const Task& task, const Env& env) {
  w.task_start = HostWorker::Clock::now();
  auto scope = w.ScopeFor(&task, nullptr, env);
  auto templar = w.TemplarFor(*scope, &task);
  TaskOutcome out;
  if (task.loop.is_null()) {
    out = RunItem(w, task, env, nullptr);
    Report(w, task, out, false, "");
  } else if (auto items = LoopItems(task, *templar); !items) {
    // Ansible keeps a loop that cannot be templated as the task's error but
    // checks `when` first: `with_items: "{{ undefined }}"` under a false
    // `when` is skipped, not failed.
    auto skipped = CheckWhen(task, *templar);
    if (skipped && skipped->status == ResultStatus::kSkipped) {
      out = std::move(*skipped);
    } else {
      out.result = FailResult(items.error().ToString());
      out.status = ResultStatus::kFailed;
    }
    Report(w, task, out, false, "");
  } else {
    out = RunLoop(w, task, env, *items);
  }
  w.ApplyRegister(task, out.result);
  return out;
}

// delegate_to + delegate_facts: the facts the task returns (set_fact's, a
// module's, setup's) are the delegate's; the marker keeps them off this host.
void DelegateFacts(HostWorker& w, const Task& task, TaskTemplar& templar, Json& result) {
  if (task.delegate_to.is_null() || task.delegate_facts.is_null()) return;
  auto facts = result.find("ansible_facts");
  if (facts == result.end() || !facts->is_object()) return;
  auto on = templar.RenderValue(task.delegate_facts, WhereText(task, "delegate_facts"));
  auto to = templar.RenderValue(task.delegate_to, WhereText(task, "delegate_to"));
  if (!on || !JsonTruthy(*on) || !to || !to->is_string() || *to == w.h.name) return;
  HostState& other = w.ctx.hosts.StateFor(to->get<std::string>());
  {
    std::unique_lock lock(other.mutex);
    if (task.action == "set_fact") {
      for (const auto& [k, v] : facts->items()) other.host_facts[k] = v;
    } else {
      other.SetFacts(*facts);
    }
  }
  result[std::string(kFactsDelegated)] = true;
}

TaskOutcome RunItem(HostWorker& w, const Task& task, const Env& env, const Json* item_vars) {
  auto scope = w.ScopeFor(&task, item_vars, env);
  auto templar = w.TemplarFor(*scope, &task);
  if (auto skipped = CheckWhen(task, *templar)) return std::move(*skipped);
  Json result = RunUntil(w, task, *templar);
  DelegateFacts(w, task, *templar, result);
  // Ansible's TaskExecutor gives every result of a task that ran `failed` and
  // `changed` (registered values are tested with `'failed' in result`); the
  // display leaves `failed: false` out again.
  if (!result.value("skipped", false) && !result.value("unreachable", false) && result.is_object()) {
    result["failed"] = result.contains("failed") && JsonTruthy(result["failed"]);
    if (!result.contains("changed")) result["changed"] = false;
  }
  TaskOutcome out;
  if (auto marker = result.find(kPythonModuleKey); marker != result.end()) {
    out.python_module = marker->get<std::string>();
    result.erase(marker);
  }
  out.result = std::move(result);
  out.status = ResultStatusOf(out.result);
  return out;
}

bool IgnoredFor(HostWorker& w, const Task& task, const Env& env, ResultStatus status) {
  const Json& flag = status == ResultStatus::kFailed        ? task.ignore_errors
                     : status == ResultStatus::kUnreachable ? task.ignore_unreachable
                                                            : Json();
  bool play_default = status == ResultStatus::kUnreachable && w.run.play->ignore_unreachable;
  if (flag.is_null()) return play_default;
  if (!flag.is_string()) return JsonTruthy(flag);
  auto scope = w.ScopeFor(&task, nullptr, env);
  auto templar = w.TemplarFor(*scope, &task);
  auto v = templar->RenderValue(flag, WhereText(task, "ignore_errors"));
  return v && JsonTruthy(*v);
}

void Report(HostWorker& w, const Task& task, TaskOutcome& out, bool is_item,
            const std::string& label) {
  if (task.action == "meta") return;
  if (!is_item) out.ignored = IgnoredFor(w, task, {}, out.status);
  HostResult r;
  r.host = w.h.name;
  r.task = &task;
  r.status = out.status;
  r.ignored = out.ignored;
  r.is_item = is_item;
  r.item_label = StaticTruthy(task.no_log) ? std::string(kCensoredItemLabel) : label;
  r.seconds = std::chrono::duration<double>(HostWorker::Clock::now() - w.task_start).count();
  r.python_module = out.python_module;
  r.result = StaticTruthy(task.no_log) ? CensoredResult(out.result) : out.result;
  if (out.result.contains("_delegated_to")) {
    r.delegated_to = out.result["_delegated_to"];
    r.result.erase("_delegated_to");
  }
  w.ctx.reporter.Result(r);
  if (is_item) return;
  int running = w.run.lockstep->Running();
  w.ctx.reporter.Progress(task.DisplayName(), running - 1, static_cast<int>(w.run.batch.size()));
}

}  // namespace tend
