#include "controller/playbook/loops.h"

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "controller/playbook/run_context.h"
#include "controller/playbook/task_runner.h"

namespace tend {
namespace {

std::string ItemLabelFor(HostWorker& w, const Task& task, const Env& env, const Json& item,
                         const Json& vars) {
  if (!task.loop_control.contains("label")) return ItemLabel(item);
  auto scope = w.ScopeFor(&task, &vars, env);
  auto templar = w.TemplarFor(*scope, &task);
  auto rendered = templar->RenderValue(task.loop_control["label"], WhereText(task, "label"));
  return rendered ? ItemLabel(*rendered) : ItemLabel(item);
}

// The loop's own result: changed if any item changed, failed if any failed,
// skipped if there were no items or every item was skipped.
TaskOutcome LoopOutcome(Json results, bool changed, bool failed, bool unreachable,
                        bool all_skipped) {
  TaskOutcome out;
  bool empty = results.empty();
  out.result = {{"changed", changed}, {"msg", "All items completed"}, {"results", std::move(results)}};
  out.status = changed ? ResultStatus::kChanged : ResultStatus::kOk;
  if (empty || all_skipped) {
    out.result["skipped"] = true;
    if (empty) out.result["skipped_reason"] = "No items in the list";
    out.status = ResultStatus::kSkipped;
  }
  if (failed) {
    out.result["failed"] = true;
    out.result["msg"] = "One or more items failed";
    out.status = ResultStatus::kFailed;
  }
  if (unreachable) out.status = ResultStatus::kUnreachable;
  return out;
}

void ReportLoop(HostWorker& w, const Task& task, const TaskOutcome& out) {
  HostResult summary;
  summary.host = w.h.name;
  summary.task = &task;
  summary.status = out.status;
  summary.ignored = out.ignored;
  summary.result = StaticTruthy(task.no_log) ? CensoredResult(out.result) : out.result;
  summary.loop_summary = true;
  summary.python_module = out.python_module;
  summary.seconds =
      std::chrono::duration<double>(HostWorker::Clock::now() - w.task_start).count();
  w.ctx.reporter.Result(summary);
}

}  // namespace

Expected<Json> LoopItems(const Task& task, TaskTemplar& templar) {
  auto rendered = templar.RenderValue(task.loop, WhereText(task, "loop"));
  if (!rendered) return std::unexpected(rendered.error());
  Json v = std::move(*rendered);
  const std::string& kind = task.loop_kind;
  if (kind == "loop") {
    if (!v.is_array()) {
      return Fail(
          fmt::format("Invalid data passed to 'loop', it requires a list, got this "
                      "instead: {}. Hint: If you passed a list/dict of just one "
                      "element, try adding wantlist=True to your lookup invocation "
                      "or use q/query instead of lookup.",
                      v.is_string() ? v.get<std::string>() : PythonRepr(v)));
    }
    return v;
  }
  // with_<name> is query(name, terms), a lone value being one term and a
  // mapping left whole, as Ansible's listify_lookup_plugin_terms makes them.
  // The lookup's own words are the task's message, as in Ansible.
  Json terms = v.is_array() || v.is_object() ? std::move(v) : Json::array({std::move(v)});
  return templar.Query(kind, terms);
}

Json LoopNames(HostWorker& w, const Task& task, const Env& env) {
  Json names = Json::object();
  for (const char* key : {"loop_var", "index_var"}) {
    if (!task.loop_control.contains(key)) continue;
    names[key] = task.loop_control[key];
    if (!names[key].is_string() || !ContainsTemplate(names[key].get<std::string>())) continue;
    auto scope = w.ScopeFor(&task, nullptr, env);
    auto templar = w.TemplarFor(*scope, &task);
    auto rendered = templar->RenderValue(names[key], WhereText(task, key));
    if (rendered && rendered->is_string()) names[key] = *rendered;
  }
  return names;
}

Json ItemVars(const Task& task, const Json& names, const Json& items, size_t index) {
  std::string loop_var = names.value("loop_var", "item");
  size_t count = items.size();
  Json vars = {{loop_var, items[index]}, {"ansible_loop_var", loop_var}};
  if (names.contains("index_var")) vars[names["index_var"].get<std::string>()] = index;
  if (JsonTruthy(task.loop_control.value("extended", Json(false)))) {
    Json loop = {{"index", index + 1},
                 {"index0", index},
                 {"revindex", count - index},
                 {"revindex0", count - index - 1},
                 {"first", index == 0},
                 {"last", index + 1 == count},
                 {"length", count}};
    // As Ansible: the neighbours only where there are some; allitems unless
    // extended_allitems is false (it copies the whole list into every item).
    if (JsonTruthy(task.loop_control.value("extended_allitems", Json(true)))) loop["allitems"] = items;
    if (index + 1 < count) loop["nextitem"] = items[index + 1];
    if (index > 0) loop["previtem"] = items[index - 1];
    vars["ansible_loop"] = std::move(loop);
  }
  return vars;
}

TaskOutcome RunLoop(HostWorker& w, const Task& task, const Env& env, const Json& items) {
  Json results = Json::array();
  std::string python_module;
  bool changed = false, failed = false, all_skipped = true, unreachable = false;
  double pause = task.loop_control.value("pause", 0.0);
  Json names = LoopNames(w, task, env);
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && pause > 0) std::this_thread::sleep_for(std::chrono::duration<double>(pause));
    Json vars = ItemVars(task, names, items, i);
    TaskOutcome item = RunItem(w, task, env, &vars);
    item.result["item"] = items[i];
    item.result["ansible_loop_var"] = vars["ansible_loop_var"];
    w.ApplyItemFacts(task, item.result);
    Report(w, task, item, true, ItemLabelFor(w, task, env, items[i], vars));
    changed = changed || JsonTruthy(item.result.value("changed", Json(false)));
    failed = failed || item.status == ResultStatus::kFailed;
    unreachable = unreachable || item.status == ResultStatus::kUnreachable;
    all_skipped = all_skipped && item.status == ResultStatus::kSkipped;
    if (!item.python_module.empty()) python_module = item.python_module;
    results.push_back(std::move(item.result));
  }
  TaskOutcome out = LoopOutcome(std::move(results), changed, failed, unreachable, all_skipped);
  out.ignored = IgnoredFor(w, task, env, out.status);
  out.python_module = std::move(python_module);
  ReportLoop(w, task, out);
  return out;
}

}  // namespace tend
