#include "controller/playbook/remote_call.h"

#include <fmt/format.h>

#include <filesystem>

#include "controller/connection/file_actions.h"
#include "controller/playbook/gather_facts.h"
#include "controller/playbook/host_worker.h"
#include "controller/playbook/module_names.h"
#include "controller/playbook/run_context.h"
#include "modules/framework/registry.h"

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
  return call;
}

// A controller-side file of the task (template src, copy src): absolute, or
// in the role's `role_dir`, the role, the task file's dir, then the playbook's.
std::string FindLocalFile(HostWorker& w, const Task& task, const std::string& name,
                          const char* role_dir) {
  if (fs::path(name).is_absolute()) return name;
  std::vector<std::string> dirs;
  if (task.role) {
    dirs.push_back(task.role->path + "/" + role_dir);
    dirs.push_back(task.role->path);
  }
  if (!task.file.empty()) {
    auto here = fs::path(task.file).parent_path();
    dirs.push_back((here / role_dir).string());
    dirs.push_back(here.string());
  }
  dirs.push_back(w.run.play->playbook_dir + "/" + role_dir);
  dirs.push_back(w.run.play->playbook_dir);
  for (const auto& d : dirs) {
    std::string p = d + "/" + name;
    if (fs::exists(p)) return p;
  }
  return {};
}

Expected<void> PrepareTemplate(HostWorker& w, const Task& task, TaskTemplar& templar,
                               const Json& args, ModuleCall& call) {
  std::string src = args.value("src", "");
  if (src.empty()) return Fail("template needs 'src'");
  std::string path = FindLocalFile(w, task, src, "templates");
  if (path.empty()) return Fail(fmt::format("Could not find or access '{}'", src));
  auto text = templar.RenderFile(path);
  if (!text) return std::unexpected(text.error());
  // The agent's template module keeps `src` for messages and takes the text
  // as streamed content.
  call.content = Content(std::move(*text));
  return {};
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

}  // namespace

Expected<HostTarget> RemoteCalls::TargetFor(HostWorker& w, const std::string& host,
                                            TaskTemplar& templar) {
  {
    std::lock_guard lock(mutex_);
    auto it = targets_.find(host);
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
  const Play& play = *w.run.play;
  if (play.remote_user.is_string() && !rendered->contains("ansible_user")) {
    (*rendered)["ansible_user"] = play.remote_user;
  }
  if (play.connection.is_string() && !rendered->contains("ansible_connection")) {
    (*rendered)["ansible_connection"] = play.connection;
  }
  auto target = HostTargetFromVars(host, *rendered, options_.connection);
  if (!target) return target;
  if (auto password = ScopedBecomePassword(templar)) target->become.password = *password;
  std::lock_guard lock(mutex_);
  targets_[host] = *target;
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
  auto target = TargetFor(w, delegate.empty() ? host : delegate, templar);
  if (!target) return FailResult(target.error().ToString());
  ModuleCall call = CallFor(w, task, templar);
  if (task.action == "gather_facts" || task.action == "setup") {
    return GatherFacts(w, task, *target, call, args);
  }
  args = PrepareActionArgs(task.action, std::move(args));
  if (FindModuleSpec(call.module) != nullptr) {
    // Converts k=v strings and rendered values to the spec's types, and
    // rejects bad arguments without a round trip.
    auto valid = ValidateModuleArgs(call.module, args);
    if (!valid) return FailResult(valid.error().ToString());
    args = std::move(*valid);
  }
  Json r = CallModule(w, task, templar, std::move(args), call, *target);
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
  call.args = std::move(args);
  AgentCall agent = [&](const ModuleCall& c) {
    return OnSession(target, [&](auto& session) { return session->Run(c); });
  };
  ActionPlace place{w.h.name, w.run.play->playbook_dir, [&](const std::string& name) {
                      return FindLocalFile(w, task, name, "files");
                    }};
  return RunWithControllerHalf(std::move(call), place, agent);
}

Json RemoteCalls::Facts(const HostTarget& target, std::optional<bool> become) {
  return OnSession(target, [&](auto& session) { return session->Facts(become); });
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
