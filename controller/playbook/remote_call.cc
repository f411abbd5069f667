#include "controller/playbook/remote_call.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "controller/connection/file_actions.h"
#include "core/python_format.h"
#include "core/task_environment.h"
#include "controller/playbook/async_task.h"
#include "controller/playbook/gather_facts.h"
#include "controller/playbook/host_worker.h"
#include "controller/playbook/local_file.h"
#include "controller/playbook/module_names.h"
#include "controller/playbook/run_context.h"
#include "controller/pymodule/module_args.h"
#include "modules/framework/registry.h"
#include "modules/python/ansible_module.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

std::optional<bool> RenderBool(const Json& v, TaskTemplar& templar, const Task& task) {
  if (v.is_null()) return std::nullopt;
  if (!v.is_string()) return JsonTruthy(v);
  auto r = templar.RenderValue(v, WhereText(task, "keyword"));
  if (!r) return std::nullopt;
  return JsonTruthy(*r);
}

// The task keyword `timeout:` in seconds (an int or a template giving one);
// 0 when absent or not a positive number, as Ansible ignores it then.
int TimeoutSeconds(const Task& task, TaskTemplar& templar) {
  if (task.timeout.is_null()) return 0;
  auto r = templar.RenderValue(task.timeout, WhereText(task, "timeout"));
  if (!r) return 0;
  if (r->is_number_integer()) return r->get<int>();
  if (r->is_string()) {
    const std::string& text = r->get_ref<const std::string&>();
    if (!text.empty() && text.size() < 9 && text.find_first_not_of("0123456789") == std::string::npos) {
      return std::stoi(text);
    }
  }
  return 0;
}

std::optional<std::string> RenderString(const Json& v, TaskTemplar& templar, const Task& task,
                                        const char* keyword) {
  if (v.is_null()) return std::nullopt;
  auto r = templar.RenderValue(v, WhereText(task, keyword));
  if (!r || r->is_null()) return std::nullopt;
  return r->is_string() ? r->get<std::string>() : r->dump();
}

// become_method, become_flags and become_exe of the task (its blocks' and play's).
Expected<void> ApplyBecomeKeywords(const Task& task, TaskTemplar& templar, ModuleCall& call) {
  if (auto m = RenderString(task.become_method, templar, task, "become_method")) {
    if (*m != "sudo" && *m != "su") {
      return Fail(fmt::format("become_method '{}' is not supported (sudo, su)", *m), task.where);
    }
    call.become_method = *m == "su" ? BecomeMethod::kSu : BecomeMethod::kSudo;
  }
  call.become_flags = RenderString(task.become_flags, templar, task, "become_flags");
  call.become_exe = RenderString(task.become_exe, templar, task, "become_exe");
  return {};
}

// check, diff, become and become_user: the task's, else the play's, else the run's.
ModuleCall CallFor(HostWorker& w, const Task& task, TaskTemplar& templar) {
  const Play& play = *w.run.play;
  ModuleCall call;
  call.module = task.action;
  call.check = RenderBool(task.check_mode, templar, task).value_or(w.ctx.opt.check);
  call.diff = RenderBool(task.diff, templar, task).value_or(w.ctx.opt.diff);
  call.become = RenderBool(task.become, templar, task);
  if (!call.become) call.become = RenderBool(play.become, templar, task);
  for (const Json* u : {&task.become_user, &play.become_user}) {
    if (call.become_user || u->is_null()) continue;
    auto r = templar.RenderValue(*u, WhereText(task, "become_user"));
    if (r && r->is_string()) call.become_user = r->get<std::string>();
  }
  if (int seconds = TimeoutSeconds(task, templar); seconds > 0) {
    call.deadline = CallDeadline{std::chrono::steady_clock::now() + std::chrono::seconds(seconds),
                                 seconds, task.action};
  }
  return call;
}

// environment: the play's, then the task's over it (Ansible merges the
// keyword across levels); a list of mappings merges in order, and values
// become strings as Python's str() writes them.
Expected<TaskEnvironment> RenderEnvironment(HostWorker& w, const Task& task, TaskTemplar& templar) {
  TaskEnvironment out;
  for (const Json* keyword : {&w.run.play->environment, &task.environment}) {
    if (keyword->is_null()) continue;
    auto rendered = templar.RenderValue(*keyword, WhereText(task, "environment"));
    if (!rendered) return std::unexpected(rendered.error());
    Json levels = rendered->is_array() ? *rendered : Json::array({*rendered});
    for (const auto& level : levels) {
      if (!level.is_object()) {
        return Fail(fmt::format("{}: environment must be a mapping (or a list of mappings), got {}",
                                WhereText(task, "environment"), level.dump()));
      }
      for (const auto& [name, value] : level.items()) out[name] = PythonStr(value);
    }
  }
  return out;
}

Expected<void> PrepareTemplate(HostWorker& w, const Task& task, TaskTemplar& templar,
                               const Json& args, ModuleCall& call) {
  std::string src = args.value("src", "");
  if (src.empty()) return Fail("template needs 'src'");
  std::string path = FindLocalFile(task, w.run.play->playbook_dir, src, "templates");
  if (path.empty()) return Fail(fmt::format("Could not find or access '{}'", src));
  auto text = templar.RenderFile(path);
  if (!text) return std::unexpected(text.error());
  // The agent's template module keeps `src` for messages and takes the text
  // as streamed content.
  call.content = Content(std::move(*text));
  return {};
}

// script's file, named first in its command line, is found as copy's src
// is: in the role's files/, beside the task file, in the playbook's dir.
void FindScript(HostWorker& w, const Task& task, Json& args) {
  const char* key = args.contains("cmd") ? "cmd" : "_raw_params";
  if (!args.contains(key) || !args[key].is_string()) return;
  std::string raw = args[key].get<std::string>();
  size_t start = raw.find_first_not_of(" \t");
  if (start == std::string::npos || raw[start] == '"' || raw[start] == '\'') return;
  size_t end = std::min(raw.find_first_of(" \t", start), raw.size());
  std::string found =
      FindLocalFile(task, w.run.play->playbook_dir, raw.substr(start, end - start), "files");
  if (!found.empty()) args[key] = found + raw.substr(end);
}

// The become password as the task's variables give it: extra vars (`-e`,
// `-e @file`) and play vars as well as the inventory (issue 21: only the
// inventory's was used, so sudo asked for a password).
std::optional<std::string> ScopedBecomePassword(TaskTemplar& templar) {
  for (const char* name : kBecomePasswordVars) {
    auto v = templar.RenderValue(Json(fmt::format("{{{{ {} }}}}", name)), name);
    if (!v || v->is_null()) continue;
    return v->is_string() ? v->get<std::string>() : v->dump();
  }
  return std::nullopt;
}

// ansible_become, ansible_become_user and the other become variables as the
// task sees them (play, role, block and task vars, -e over the inventory's),
// for the task's own host: Ansible reads connection variables from them all.
Json ScopedBecomeVars(TaskTemplar& templar) {
  Json out = Json::object();
  for (const char* name : {"ansible_become", "ansible_become_user", "ansible_become_method",
                           "ansible_become_flags", "ansible_become_exe"}) {
    auto v = templar.RenderValue(Json(fmt::format("{{{{ {} }}}}", name)), name);
    if (v && !v->is_null()) out[name] = std::move(*v);
  }
  return out;
}

}  // namespace

// connection, remote_user and port: the task's (its blocks', its play's),
// used where the host's own vars set nothing, as in Ansible. Targets are
// cached per host and keyword values.
Expected<HostTarget> RemoteCalls::TargetFor(HostWorker& w, const Task& task,
                                            const std::string& host, TaskTemplar& templar) {
  Json keywords = Json::object();
  const Play& play = *w.run.play;
  const std::pair<const char*, const Json*> fields[] = {
      {"ansible_connection", task.connection.is_null() ? &play.connection : &task.connection},
      {"ansible_user", task.remote_user.is_null() ? &play.remote_user : &task.remote_user},
      {"ansible_port", &task.port}};
  for (const auto& [var, value] : fields) {
    if (auto s = RenderString(*value, templar, task, var)) keywords[var] = *s;
  }
  Json scoped = host == w.h.name ? ScopedBecomeVars(templar) : Json::object();
  std::string key = host + "\n" + keywords.dump() + "\n" + scoped.dump();
  {
    std::lock_guard lock(mutex_);
    auto it = targets_.find(key);
    if (it != targets_.end()) return it->second;
  }
  Json vars = catalog_.HostVars(host);
  if (host == "localhost" && !vars.contains("ansible_connection"))
    vars["ansible_connection"] = "local";
  Json conn = Json::object();
  for (const auto& [k, v] : vars.items()) {
    if (k.starts_with("ansible_") || k.starts_with("tend_")) conn[k] = v;
  }
  auto rendered = templar.RenderValue(conn, "connection variables of " + host);
  if (!rendered) return std::unexpected(rendered.error());
  for (const auto& [var, value] : keywords.items()) {
    if (!rendered->contains(var)) (*rendered)[var] = value;
  }
  for (const auto& [var, value] : scoped.items()) (*rendered)[var] = value;
  auto target = HostTargetFromVars(host, *rendered, options_.connection);
  if (!target) return target;
  if (auto password = ScopedBecomePassword(templar)) target->become.password = *password;
  std::lock_guard lock(mutex_);
  targets_[key] = *target;
  return target;
}

Gate* RemoteCalls::ThrottleFor(const Task& task, TaskTemplar& templar) {
  const Json& t = task.throttle;
  if (t.is_null()) return nullptr;
  auto r = templar.RenderValue(t, WhereText(task, "throttle"));
  int n = r && r->is_number() ? r->get<int>() : 0;
  if (n <= 0) return nullptr;
  std::lock_guard lock(mutex_);
  auto& g = throttles_[&task];
  if (!g) g = std::make_unique<Gate>(n);
  return g.get();
}

Json RemoteCalls::Run(HostWorker& w, const Task& task, TaskTemplar& templar, Json args) {
  std::string host = w.h.name;
  std::string delegate;
  if (!task.delegate_to.is_null()) {
    auto d = templar.RenderValue(task.delegate_to, WhereText(task, "delegate_to"));
    if (!d) return FailResult(d.error().ToString());
    if (d->is_string() && d->get<std::string>() != host) delegate = d->get<std::string>();
  }
  auto target = TargetFor(w, task, delegate.empty() ? host : delegate, templar);
  if (!target) return FailResult(target.error().ToString());
  ModuleCall call = CallFor(w, task, templar);
  if (auto ok = ApplyBecomeKeywords(task, templar, call); !ok) {
    return FailResult(ok.error().ToString());
  }
  // A host's session keeps the target it was opened with; what this task's
  // variables say about become travels with the call (keywords still win).
  if (!call.become) call.become = target->become.enabled;
  if (!call.become_user) call.become_user = target->become.user;
  auto environment = RenderEnvironment(w, task, templar);
  if (!environment) return FailResult(environment.error().ToString());
  if (!delegate.empty() && (task.action == "gather_facts" || task.action == "setup") &&
      RenderBool(task.delegate_facts, templar, task).value_or(false)) {
    // The facts are the delegate's; RunItem hands them to it (delegate_facts).
    Json r = Facts(*target, call.become, args);
    r["_delegated_to"] = delegate;
    return r;
  }
  if (task.action == "gather_facts" || task.action == "setup") {
    return GatherFacts(w, task, *target, call, args);
  }
  auto async = AsyncSettingsFor(task, templar);
  if (!async) return FailResult(async.error().ToString());
  if (!IsKnownAction(task.action)) {
    if (*async) call.async_seconds = (*async)->seconds;
    Json r = RunPython(task, templar, std::move(args), call, *target, *environment);
    if (*async && (*async)->poll > 0) r = PollPythonJob(**async, std::move(r), call, *target);
    if (!delegate.empty()) r["_delegated_to"] = delegate;
    return r;
  }
  if (*async) {
    if (!SupportsAsync(task.action)) return FailResult("async is not supported for this task.");
    call.async_seconds = (*async)->seconds;
  }
  args = PrepareActionArgs(task.action, std::move(args));
  if (FindModuleSpec(call.module) != nullptr) {
    // Converts k=v strings and rendered values to the spec's types, and
    // rejects bad arguments without a round trip.
    auto valid = ValidateModuleArgs(call.module, args);
    if (!valid) return FailResult(valid.error().ToString());
    args = std::move(*valid);
  }
  PutEnvironment(args, *environment);
  Json r = CallModule(w, task, templar, std::move(args), call, *target);
  if (*async && (*async)->poll > 0 && !JsonTruthy(r.value("failed", Json(false))) &&
      r.contains("ansible_job_id")) {
    r = PollJob(**async, r["ansible_job_id"].get<std::string>(), call, *target);
  }
  if (!delegate.empty()) r["_delegated_to"] = delegate;
  return r;
}

// template renders here; copy, unarchive, assemble and fetch have their
// controller halves in RunWithControllerHalf; the rest is one call.
Json RemoteCalls::CallModule(HostWorker& w, const Task& task, TaskTemplar& templar, Json args,
                             ModuleCall& call, const HostTarget& target) {
  GateHold hold_throttle(ThrottleFor(task, templar));
  if (task.action == "template") {
    if (auto ok = PrepareTemplate(w, task, templar, args, call); !ok) {
      return FailResult(ok.error().ToString());
    }
  }
  if (task.action == "script") FindScript(w, task, args);
  call.args = std::move(args);
  AgentCall agent = [&](const ModuleCall& c) {
    return OnSession(target, [&](auto& session) { return session->Run(c); });
  };
  ActionPlace place{w.h.name, w.run.play->playbook_dir, [&](const std::string& name) {
                      return FindLocalFile(task, w.run.play->playbook_dir, name, "files");
                    }};
  return RunWithControllerHalf(std::move(call), place, agent);
}

// A module tend has no native implementation of: Ansible's own code for it,
// packed once per run and cached on the host, run by the agent with the
// host's Python (issue 19).
Json RemoteCalls::RunPython(const Task& task, TaskTemplar& templar, Json args, ModuleCall& call,
                            const HostTarget& target, const TaskEnvironment& environment) {
  if (!options_.python_modules) {
    return FailResult(Error{NotImplementedMessage(task.action), task.where, ""}.ToString());
  }
  auto prepared = options_.python_modules->Prepare(task.action);
  if (!prepared) return FailResult(Error{prepared.error().message, task.where, ""}.ToString());
  ModuleRunSettings settings{.module_name = task.action,
                             .check = call.check,
                             .diff = call.diff,
                             .no_log = RenderBool(task.no_log, templar, task).value_or(false),
                             .verbosity = options_.verbosity,
                             .ansible_version = options_.python_modules->ansible_version()};
  auto interpreter = templar.RenderValue(Json("{{ ansible_python_interpreter }}"), "ansible_python_interpreter");
  MakePythonCall(**prepared, std::move(args), settings, interpreter ? *interpreter : Json(), call);
  PutEnvironment(call.args, environment);
  GateHold hold_throttle(ThrottleFor(task, templar));
  Json r = CleanModuleResult(OnSession(target, [&](auto& session) { return session->Run(call); }));
  if (r.is_object()) r[std::string(kPythonModuleKey)] = (*prepared)->code.fqcn;
  return r;
}

// `async: N` with `poll: > 0` on a module run through Python: the job's
// result, cleaned as the module's own return is, once it has finished.
Json RemoteCalls::PollPythonJob(const AsyncSettings& settings, Json started, const ModuleCall& call,
                                const HostTarget& target) {
  if (JsonTruthy(started.value("failed", Json(false))) || !started.contains("ansible_job_id")) {
    return started;
  }
  Json marker = started.value(std::string(kPythonModuleKey), Json());
  Json r = CleanModuleResult(PollJob(settings, started["ansible_job_id"].get<std::string>(), call, target));
  if (r.is_object() && !marker.is_null()) r[std::string(kPythonModuleKey)] = marker;
  return r;
}

// async_status on the job's host, as the user that started it.
Json RemoteCalls::PollJob(const AsyncSettings& settings, const std::string& jid,
                          const ModuleCall& started, const HostTarget& target) {
  auto status = [&](const Json& args) {
    ModuleCall call;
    call.module = "async_status";
    call.args = args;
    call.become = started.become;
    call.become_user = started.become_user;
    return OnSession(target, [&](auto& session) { return session->Run(call); });
  };
  auto sleep = [](int64_t seconds) { std::this_thread::sleep_for(std::chrono::seconds(seconds)); };
  return PollAsyncJob(settings, jid, status, sleep);
}

Json RemoteCalls::Facts(const HostTarget& target, std::optional<bool> become, const Json& args) {
  return OnSession(target, [&](auto& session) { return session->Facts(become, args); });
}

// `call` on the target's session within a fork slot; a session that cannot
// be opened, or a call that breaks it, makes the host unreachable.
template <typename Call>
Json RemoteCalls::OnSession(const HostTarget& target, Call call) {
  auto session = pool_.Get(target);
  if (!session) return UnreachableResult(session.error());
  GateHold hold_fork(&forks_);
  auto result = call(*session);
  if (!result) return UnreachableResult(result.error());
  return std::move(*result);
}

}  // namespace tend
