#include "controller/playbook/includes.h"

#include <filesystem>
#include <optional>

#include "controller/playbook/loops.h"
#include "controller/playbook/run_context.h"
#include "controller/playbook/task_runner.h"

namespace tend {

const std::vector<Task>& IncludedTasks::Keep(std::vector<Task> tasks) {
  std::lock_guard lock(mutex_);
  task_lists_.push_back(std::make_unique<std::vector<Task>>(std::move(tasks)));
  return *task_lists_.back();
}

const Role& IncludedTasks::Keep(std::shared_ptr<Role> role) {
  std::lock_guard lock(mutex_);
  roles_.push_back(std::move(role));
  return *roles_.back();
}

namespace {

Flow IncludeFailed(HostWorker& w, const Task& task, const Error& e) {
  TaskOutcome out{ResultStatus::kFailed, false, false, FailResult(e.ToString())};
  Report(w, task, out, false, "");
  return w.Account(task, out);
}

// What the loader warned about in the file just read (a module tend does
// not implement), once: the loader keeps each file it has read.
void ReportLoadWarnings(HostWorker& w) {
  for (const auto& text : w.ctx.loader.TakeWarnings()) w.ctx.reporter.Warning(text);
}

// The include's params under its own `vars`, for the included tasks.
Json IncludeParams(const Task& task, const Json& params) {
  Json merged = params;
  for (const auto& [k, v] : task.vars.items()) merged[k] = v;
  return merged;
}

Flow IncludeTasks(HostWorker& w, const Task& task, const Json& args, const Json& params,
                  const Env& env, const std::string& label) {
  std::string name = args.value("file", args.value("_raw_params", ""));
  std::string path =
      PlaybookLoader::ResolveTaskFile(name, task.file, task.role, w.run.play->playbook_dir);
  auto tasks = w.ctx.loader.IncludeTasks(path, task.role, task.where, task.collections);
  ReportLoadWarnings(w);
  if (!tasks) return IncludeFailed(w, task, tasks.error());
  std::string shown = std::filesystem::absolute(path).lexically_normal().string();
  w.ctx.reporter.Included(
      label.empty() ? shown : shown + " for " + w.h.name + " => (item=" + label + ")",
      label.empty() ? std::vector<std::string>{w.h.name} : std::vector<std::string>{});
  Json merged = IncludeParams(task, params);
  Env inner{&merged, env.depth + 1};
  if (inner.depth > 50) {
    return IncludeFailed(w, task,
                         Error{"include depth exceeded (recursive include?)", task.where, ""});
  }
  // Tags of the include do not reach the included tasks (docs/ansible-compat.md), except via `apply`.
  if (args.contains("apply") && args["apply"].is_object()) {
    std::vector<Task> applied = **tasks;
    std::vector<std::string> tags = ToStringList(args["apply"].value("tags", Json()), true);
    for (auto& t : applied) {
      for (const auto& tag : tags) t.tags.push_back(tag);
    }
    return w.RunList(w.ctx.included.Keep(std::move(applied)), inner);
  }
  return w.RunList(**tasks, inner);
}

Flow IncludeRole(HostWorker& w, const Task& task, const Json& args, const Json& params,
                 const Env& env) {
  auto role = w.ctx.loader.IncludeRole(args, w.run.play->playbook_dir, task.where);
  ReportLoadWarnings(w);
  if (!role) return IncludeFailed(w, task, role.error());
  const Role& kept = w.ctx.included.Keep(*role);
  Json merged = IncludeParams(task, params);
  Env inner{&merged, env.depth + 1};
  return w.RunList(kept.tasks, inner);
}

// The items an include runs for (a list): one without a loop.
Expected<Json> IncludeItems(HostWorker& w, const Task& task, const Env& env) {
  if (task.loop.is_null()) return Json::array({Json()});
  auto scope = w.ScopeFor(&task, nullptr, env);
  auto templar = w.TemplarFor(*scope, &task);
  return LoopItems(task, *templar);
}

// The item's params: its loop variables over the outer include's params.
Json ItemParams(const Task& task, const Json& names, const Json& items, size_t i,
                const Env& env) {
  Json params = task.loop.is_null() ? Json::object() : ItemVars(task, names, items, i);
  if (env.include_params) {
    for (const auto& [k, v] : env.include_params->items()) {
      if (!params.contains(k)) params[k] = v;
    }
  }
  return params;
}

}  // namespace

Flow RunInclude(HostWorker& w, const Task& task, const Env& env) {
  auto items = IncludeItems(w, task, env);
  if (!items) return IncludeFailed(w, task, items.error());
  Json names = LoopNames(w, task, env);
  for (size_t i = 0; i < items->size(); ++i) {
    Json params = ItemParams(task, names, *items, i, env);
    auto scope = w.ScopeFor(&task, &params, env);
    auto templar = w.TemplarFor(*scope, &task);
    std::optional<std::string> skip_condition;
    for (const auto& cond : task.when) {
      auto ok = templar->Condition(cond, WhereText(task, "when"));
      if (!ok) return IncludeFailed(w, task, ok.error());
      if (!*ok) {
        skip_condition = cond;
        break;
      }
    }
    if (skip_condition) {
      TaskOutcome skipped{ResultStatus::kSkipped, false, false, SkipResult(*skip_condition)};
      Report(w, task, skipped, false, "");
      w.h.stats.skipped++;
      continue;
    }
    auto args = templar->RenderValue(task.args, WhereText(task, "args"));
    if (!args) return IncludeFailed(w, task, args.error());
    ++w.h.stats.ok;  // an include counts as ok, as in Ansible's recap
    w.pos.push_back(static_cast<int>(i));
    std::string label = task.loop.is_null()        ? ""
                        : StaticTruthy(task.no_log) ? std::string(kCensoredItemLabel)
                                                    : ItemLabel((*items)[i]);
    Flow f = task.action == "include_tasks" ? IncludeTasks(w, task, *args, params, env, label)
                                            : IncludeRole(w, task, *args, params, env);
    w.pos.pop_back();
    if (f == Flow::kStop) return f;
  }
  return Flow::kNext;
}

}  // namespace tend

