#include "controller/playbook/executor.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <glob.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "controller/connection/fact_cache.h"
#include "controller/connection/file_actions.h"
#include "controller/playbook/host_state.h"
#include "controller/playbook/lockstep.h"
#include "controller/playbook/module_names.h"
#include "controller/yaml/yaml.h"
#include "modules/framework/registry.h"

namespace tend {
namespace fs = std::filesystem;

bool TagsSelect(const std::vector<std::string>& task_tags, const std::vector<std::string>& only,
                const std::vector<std::string>& skip) {
  auto has = [](const std::vector<std::string>& list, std::string_view s) {
    return std::find(list.begin(), list.end(), s) != list.end();
  };
  auto intersects = [&](const std::vector<std::string>& a, const std::vector<std::string>& b) {
    for (const auto& x : a) {
      if (has(b, x)) return true;
    }
    return false;
  };
  bool tagged = !task_tags.empty();
  if (!skip.empty()) {
    if (intersects(task_tags, skip)) return false;
    if (has(skip, "all") && !has(task_tags, "always")) return false;
    if (has(skip, "tagged") && tagged) return false;
    if (has(skip, "untagged") && !tagged) return false;
  }
  bool all = only.empty() || has(only, "all");
  if (has(task_tags, "never") && !intersects(task_tags, only)) return false;
  if (all || has(task_tags, "always")) return true;
  if (has(only, "tagged") && tagged) return true;
  if (has(only, "untagged") && !tagged) return true;
  return intersects(task_tags, only);
}

std::vector<size_t> SerialBatches(const Json& serial, size_t host_count) {
  std::vector<size_t> out;
  if (host_count == 0) return out;
  auto size_of = [&](const Json& v) -> size_t {
    double n = 0;
    if (v.is_number())
      n = v.get<double>();
    else if (v.is_string()) {
      std::string s = v.get<std::string>();
      if (!s.empty() && s.back() == '%')
        n = std::floor(host_count * std::atof(s.c_str()) / 100.0);
      else
        n = std::atof(s.c_str());
      if (!s.empty() && s.back() == '%' && n < 1) n = 1;
    }
    if (n <= 0) return host_count;
    return static_cast<size_t>(n);
  };
  std::vector<Json> steps;
  if (serial.is_array() && !serial.empty())
    steps.assign(serial.begin(), serial.end());
  else
    steps.push_back(serial.is_null() ? Json(0) : serial);
  size_t done = 0;
  for (size_t i = 0; done < host_count; ++i) {
    size_t n = std::min(size_of(steps[std::min(i, steps.size() - 1)]), host_count - done);
    out.push_back(n);
    done += n;
  }
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

// A counting gate for forks and throttle.
class Gate {
 public:
  explicit Gate(int slots) : slots_(std::max(1, slots)) {}
  void Acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return slots_ > 0; });
    --slots_;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      ++slots_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int slots_;
};

struct GateHold {
  explicit GateHold(Gate* g) : gate(g) {
    if (gate) gate->Acquire();
  }
  ~GateHold() {
    if (gate) gate->Release();
  }
  Gate* gate;
};

bool JsonTruthy(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_null()) return false;
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) {
    Json r = ResolvePlainScalar(v.get<std::string>());
    if (r.is_boolean()) return r.get<bool>();
    return !v.get<std::string>().empty();
  }
  return !v.empty();
}

bool IsOmitValue(const Json& v) {
  return v.is_string() && v.get_ref<const std::string&>() == kOmitPlaceholder;
}

void DropOmitted(Json& args) {
  if (!args.is_object()) return;
  for (auto it = args.begin(); it != args.end();) {
    if (IsOmitValue(*it))
      it = args.erase(it);
    else
      ++it;
  }
}

Json SkipResult(const std::string& condition) {
  return Json{{"changed", false},
              {"skip_reason", "Conditional result was False"},
              {"false_condition", condition},
              {"skipped", true}};
}

Json FailResult(const std::string& msg) {
  return Json{{"changed", false}, {"failed", true}, {"msg", msg}};
}

ResultStatus StatusOf(const Json& r) {
  if (r.value("unreachable", false)) return ResultStatus::kUnreachable;
  if (JsonTruthy(r.value("failed", Json(false)))) return ResultStatus::kFailed;
  if (r.value("skipped", false)) return ResultStatus::kSkipped;
  if (JsonTruthy(r.value("changed", Json(false)))) return ResultStatus::kChanged;
  return ResultStatus::kOk;
}

enum class Flow { kNext, kStop };

struct Frame {
  bool has_rescue;
  bool in_block;
};

struct Env {
  const Json* include_params = nullptr;
  int depth = 0;
};

std::string WhereText(const Task& t, const char* what) {
  return fmt::format("{} ({})", t.where.ToString(), what);
}

}  // namespace

struct Executor::Impl {
  HostCatalog& catalog;
  SessionFactory& factory;
  Reporter& reporter;
  PlaybookLoader& loader;
  TemplarFactory make_templar;
  ExecOptions opt;
  SessionPool pool;
  Gate forks;
  RunSummary summary;

  std::mutex hosts_mutex;
  std::map<std::string, std::unique_ptr<HostState>> hosts;
  std::mutex misc_mutex;  // throttles, run_once results, targets, groups
  std::map<const Task*, std::unique_ptr<Gate>> throttles;
  std::map<std::pair<const Task*, Position>, Json> run_once_results;
  std::map<std::string, HostTarget> targets;

  Impl(HostCatalog& c, SessionFactory& f, Reporter& r, PlaybookLoader& l, TemplarFactory t,
       ExecOptions o)
      : catalog(c),
        factory(f),
        reporter(r),
        loader(l),
        make_templar(std::move(t)),
        opt(std::move(o)),
        pool(f),
        forks(opt.forks) {}

  // --- per play ----------------------------------------------------------

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
  };

  struct Worker {
    PlayRun& run;
    HostState& h;
    size_t index;
    Position pos;
    std::vector<Frame> frames;
    bool started;
    bool ended = false;  // meta: end_host
    Clock::time_point task_start{};
  };

  HostState& StateFor(const std::string& name) {
    std::lock_guard lock(hosts_mutex);
    auto& slot = hosts[name];
    if (!slot) {
      slot = std::make_unique<HostState>();
      slot->name = name;
      if (!opt.fact_cache_dir.empty() && !opt.flush_cache) {
        if (auto cached = ReadCachedFacts(opt.fact_cache_dir, name, opt.fact_cache_ttl)) {
          slot->SetFacts(*cached);
        }
      }
    }
    return *slot;
  }

  void RefreshHostMagic(HostState& h) {
    std::unique_lock lock(h.mutex);
    h.inventory = catalog.HostVars(h.name);
    h.magic["inventory_hostname"] = h.name;
    h.magic["inventory_hostname_short"] = h.name.substr(0, h.name.find('.'));
    h.magic["group_names"] = catalog.GroupNames(h.name);
  }

  Json BuildHostvars() {
    Json out = Json::object();
    for (const auto& name : catalog.AllHosts()) {
      Json vars = catalog.HostVars(name);
      std::unique_lock guard(hosts_mutex);
      auto it = hosts.find(name);
      HostState* h = it == hosts.end() ? nullptr : it->second.get();
      guard.unlock();
      if (h != nullptr) {
        std::shared_lock lock(h->mutex);
        for (const auto& [k, v] : h->facts.items()) vars[k] = v;
        vars["ansible_facts"] = h->facts_short;
        for (const auto& [k, v] : h->include_vars.items()) vars[k] = v;
        for (const auto& [k, v] : h->host_facts.items()) vars[k] = v;
        for (const auto& [k, v] : h->magic.items()) vars[k] = v;
      } else {
        vars["inventory_hostname"] = name;
        vars["group_names"] = catalog.GroupNames(name);
      }
      out[name] = std::move(vars);
    }
    return out;
  }

  std::unique_ptr<TaskScope> ScopeFor(Worker& w, const Task* task, const Json* item_vars,
                                      const Env& env) {
    return std::make_unique<TaskScope>(w.run.vars, w.h, task, item_vars, env.include_params,
                                       [this] { return BuildHostvars(); });
  }

  TemplarContext ContextFor(const PlayRun& run, const Task* task) {
    TemplarContext ctx;
    if (task != nullptr && task->role != nullptr) {
      ctx.search_paths.push_back(task->role->path + "/templates");
      ctx.search_paths.push_back(task->role->path + "/files");
      ctx.search_paths.push_back(task->role->path + "/tasks");
      ctx.search_paths.push_back(task->role->path);
    }
    if (task != nullptr && !task->file.empty()) {
      ctx.search_paths.push_back(fs::path(task->file).parent_path().string());
    }
    for (const auto& p : run.templar_context.search_paths) ctx.search_paths.push_back(p);
    return ctx;
  }

  // --- running a playbook ---------------------------------------------------

  void Run(const Playbook& book) {
    for (const Play& original : book.plays) {
      // `hosts:` and `name:` may be templates over extra vars and play vars
      // (`hosts: "{{ target }}"` with -e target=...), as in Ansible.
      auto templated = TemplatePlayHeader(original);
      if (!templated) {
        summary.error = templated.error();
        break;
      }
      const Play& play = templated->has_value() ? **templated : original;
      if (auto ok = RunPlay(play); !ok) {
        summary.error = ok.error();
        break;
      }
    }
    for (auto& [name, h] : hosts) {
      summary.stats[name] = h->stats;
      if (h->stats.failed > 0) summary.any_failed = true;
      if (h->stats.unreachable > 0) summary.any_unreachable = true;
    }
    if (!summary.error) reporter.Recap(summary.stats);
    pool.CloseAll();
  }

  // A copy of `play` with `hosts` and `name` rendered, or nothing when
  // neither holds a template (the common case copies nothing).
  Expected<std::optional<Play>> TemplatePlayHeader(const Play& play) {
    auto is_template = [](const std::string& s) { return s.find("{{") != std::string::npos; };
    if (!is_template(play.hosts) && !is_template(play.name)) return std::optional<Play>{};
    Json vars = play.vars;
    for (const auto& [k, v] : opt.extra_vars.items()) vars[k] = v;
    JsonScope scope(vars);
    auto templar = make_templar(scope, TemplarContext{{play.playbook_dir}});
    Play copy = play;
    for (std::string* field : {&copy.hosts, &copy.name}) {
      if (!is_template(*field)) continue;
      auto rendered = templar->RenderValue(Json(*field), "play hosts");
      if (!rendered) return std::unexpected(rendered.error());
      *field = rendered->is_string() ? rendered->get<std::string>() : HostsPattern(*rendered);
    }
    return std::optional<Play>(std::move(copy));
  }

  // A list rendered from `hosts: "{{ some_list }}"` is a union pattern.
  static std::string HostsPattern(const Json& value) {
    if (!value.is_array()) return value.dump();
    std::string out;
    for (const auto& item : value) {
      if (!out.empty()) out += ",";
      out += item.is_string() ? item.get<std::string>() : item.dump();
    }
    return out;
  }

  Expected<void> RunPlay(const Play& play) {
    reporter.PlayStart(play);
    auto matched = catalog.Match(play.hosts);
    if (!matched) return std::unexpected(matched.error());
    std::vector<HostState*> all;
    for (const auto& name : *matched) {
      HostState& h = StateFor(name);
      if (h.failed || h.unreachable) continue;  // failed hosts leave the playbook
      all.push_back(&h);
    }
    if (play.order == "reverse_inventory") std::reverse(all.begin(), all.end());
    if (play.order == "sorted" || play.order == "reverse_sorted") {
      std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->name < b->name; });
      if (play.order == "reverse_sorted") std::reverse(all.begin(), all.end());
    }
    if (all.empty()) {
      reporter.Note("skipping: no hosts matched");
      return {};
    }
    PlayRun run;
    run.play = &play;
    if (auto ok = PrepareVars(run, all); !ok) return ok;
    IndexHandlers(run);
    run.gather_task.name = "Gathering Facts";
    run.gather_task.action = "gather_facts";
    run.gather_task.tags = {"always"};
    run.gather_task.where = play.where;
    run.templar_context.search_paths = {play.playbook_dir + "/templates",
                                        play.playbook_dir + "/files", play.playbook_dir};
    auto batches = SerialBatches(play.serial, all.size());
    size_t offset = 0;
    for (size_t size : batches) {
      std::vector<HostState*> batch(all.begin() + offset, all.begin() + offset + size);
      offset += size;
      batch.erase(std::remove_if(batch.begin(), batch.end(),
                                 [](HostState* h) { return h->failed || h->unreachable; }),
                  batch.end());
      if (batch.empty()) continue;
      RunBatch(run, batch);
      if (run.end_play) break;
    }
    return {};
  }

  Expected<void> PrepareVars(PlayRun& run, const std::vector<HostState*>& all) {
    const Play& play = *run.play;
    run.vars.extra_vars = &opt.extra_vars;
    run.vars.play_vars = play.vars;
    for (const auto& p : play.vars_prompt) {
      if (!run.vars.play_vars.contains(p.name)) run.vars.play_vars[p.name] = p.default_value;
    }
    for (const auto& role : play.roles) {
      for (const auto& [k, v] : role->defaults.items()) run.vars.role_defaults_all[k] = v;
      for (const auto& [k, v] : role->vars.items()) run.vars.role_vars_all[k] = v;
    }
    Json names = Json::array();
    for (auto* h : all) names.push_back(h->name);
    Json& m = run.vars.magic;
    m["groups"] = catalog.GroupsJson();
    m["ansible_play_hosts_all"] = names;
    m["ansible_play_hosts"] = names;
    m["play_hosts"] = names;
    m["ansible_play_batch"] = names;
    m["ansible_play_name"] = play.name;
    m["playbook_dir"] = play.playbook_dir;
    m["inventory_dir"] = catalog.InventoryDir();
    m["ansible_check_mode"] = opt.check;
    m["ansible_diff_mode"] = opt.diff;
    m["ansible_verbosity"] = opt.verbosity;
    m["ansible_forks"] = opt.forks;
    m["ansible_run_tags"] = opt.tags.empty() ? Json::array({"all"}) : Json(opt.tags);
    m["ansible_skip_tags"] = opt.skip_tags;
    m["ansible_version"] = {
        {"full", "2.14.0"}, {"major", 2}, {"minor", 14}, {"revision", 0}, {"string", "2.14.0"}};
    for (auto* h : all) RefreshHostMagic(*h);
    // vars_files are read once per play with play-level variables; per-host
    // templated file names use the first host's view, as most playbooks name
    // files by group or OS that every host of the play shares.
    for (const auto& file : play.vars_files) {
      auto loaded = LoadVarsFile(run, *all.front(), file);
      if (!loaded) return std::unexpected(loaded.error());
      for (const auto& [k, v] : loaded->items()) run.vars.play_vars[k] = v;
    }
    return {};
  }

  Expected<Json> LoadVarsFile(PlayRun& run, HostState& h, const std::string& name) {
    Worker w{run, h, 0, {}, {}, true};
    Env env;
    auto scope = ScopeFor(w, nullptr, nullptr, env);
    auto templar = make_templar(*scope, ContextFor(run, nullptr));
    auto rendered = templar->RenderValue(Json(name), "vars_files");
    if (!rendered) return std::unexpected(rendered.error());
    std::string file = rendered->is_string() ? rendered->get<std::string>() : name;
    fs::path p =
        fs::path(file).is_absolute() ? fs::path(file) : fs::path(run.play->playbook_dir) / file;
    auto doc = LoadYamlFile(p.string());
    if (!doc) return std::unexpected(doc.error());
    if (doc->is_null()) return Json::object();
    if (!doc->is_object()) return Fail("a vars file must hold a mapping", Location{p.string()});
    return *doc;
  }

  void IndexHandlers(PlayRun& run) {
    const auto& handlers = run.play->handlers;
    for (size_t i = 0; i < handlers.size(); ++i) {
      const Task& t = handlers[i];
      if (!t.name.empty()) {
        run.handler_index[t.name].push_back(i);
        if (t.role) run.handler_index[t.role->name + " : " + t.name].push_back(i);
      }
      for (const auto& topic : t.listen) run.handler_index[topic].push_back(i);
    }
  }

  void RunBatch(PlayRun& run, const std::vector<HostState*>& batch) {
    run.batch = batch;
    run.failed_seen = 0;
    {
      std::lock_guard lock(misc_mutex);
      run_once_results.clear();  // run_once runs once per serial batch
    }
    Json names = Json::array();
    for (auto* h : batch) names.push_back(h->name);
    run.vars.magic["ansible_play_batch"] = names;
    bool linear = run.play->strategy != "free";
    Lockstep::Hooks hooks;
    hooks.released = [this, &run](const Lockstep::Group& g, bool repeat) {
      if (!repeat) reporter.TaskStart(*g.task, g.kind);
      (void)run;
    };
    hooks.finished = [this, &run](const Lockstep::Group& g) { GroupFinished(run, g); };
    run.lockstep = std::make_unique<Lockstep>(linear, batch.size(), hooks, opt.forks == 1);
    std::vector<std::thread> threads;
    threads.reserve(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      threads.emplace_back([this, &run, i] {
        Worker w{run, *run.batch[i], i, {}, {}, opt.start_at_task.empty()};
        HostMain(w);
        run.lockstep->Finish(i);
      });
    }
    for (auto& t : threads) t.join();
  }

  // any_errors_fatal and max_fail_percentage act between tasks.
  void GroupFinished(PlayRun& run, const Lockstep::Group& g) {
    const Play& play = *run.play;
    bool fatal = play.any_errors_fatal || JsonTruthy(g.task->any_errors_fatal);
    size_t failed = 0;
    for (auto* h : run.batch) {
      if (h->failed || h->unreachable) ++failed;
    }
    bool group_failed = failed > run.failed_seen;
    run.failed_seen = failed;
    if (fatal && group_failed) run.end_play = true;
    if (!play.max_fail_percentage.is_null()) {
      double pct = play.max_fail_percentage.is_number()
                       ? play.max_fail_percentage.get<double>()
                       : std::atof(play.max_fail_percentage.get<std::string>().c_str());
      if (failed * 100.0 / run.batch.size() > pct) run.end_play = true;
    }
  }

  bool Stopped(const Worker& w) const { return w.run.end_play || w.ended; }

  void HostMain(Worker& w) {
    const Play& play = *w.run.play;
    Env env;
    w.pos = {0};
    if (JsonTruthy(play.gather_facts)) {
      if (RunOne(w, w.run.gather_task, env, "TASK") == Flow::kStop) return AfterStop(w);
    }
    struct Section {
      const std::vector<Task>* tasks;
      int index;
    };
    for (Section s :
         {Section{&play.pre_tasks, 1}, Section{&play.tasks, 3}, Section{&play.post_tasks, 5}}) {
      w.pos = {s.index};
      if (RunList(w, *s.tasks, env) == Flow::kStop) return AfterStop(w);
      w.pos = {s.index + 1};
      if (RunHandlers(w, env) == Flow::kStop) return AfterStop(w);
    }
  }

  // A host that failed still runs its notified handlers with --force-handlers.
  void AfterStop(Worker& w) {
    bool force = opt.force_handlers || w.run.play->force_handlers;
    if (!force || w.h.unreachable || w.run.end_play || w.h.notified.empty()) return;
    w.pos = {7};
    bool was_failed = w.h.failed;
    w.h.failed = false;
    Env env;
    RunHandlers(w, env);
    w.h.failed = w.h.failed || was_failed;
  }

  Flow RunList(Worker& w, const std::vector<Task>& tasks, const Env& env) {
    for (size_t i = 0; i < tasks.size(); ++i) {
      if (Stopped(w)) return Flow::kStop;
      w.pos.push_back(static_cast<int>(i));
      Flow f = RunOne(w, tasks[i], env, "TASK");
      w.pos.pop_back();
      if (f == Flow::kStop) return f;
    }
    return Stopped(w) ? Flow::kStop : Flow::kNext;
  }

  Flow RunHandlers(Worker& w, const Env& env) {
    const auto& handlers = w.run.play->handlers;
    for (size_t i = 0; i < handlers.size(); ++i) {
      if (!w.h.notified.contains(i)) continue;
      w.h.notified.erase(i);
      w.pos.push_back(static_cast<int>(i));
      Flow f = RunOne(w, handlers[i], env, "RUNNING HANDLER");
      w.pos.pop_back();
      if (f == Flow::kStop) return f;
    }
    return Flow::kNext;
  }

  Flow RunBlock(Worker& w, const Task& b, const Env& env) {
    w.frames.push_back({!b.rescue.empty(), true});
    w.pos.push_back(0);
    Flow f = RunList(w, b.block, env);
    w.pos.pop_back();
    w.frames.back().in_block = false;
    bool recoverable = w.h.failed && !w.h.unreachable && !Stopped(w);
    if (f == Flow::kStop && recoverable && !b.rescue.empty()) {
      w.h.failed = false;
      w.pos.push_back(1);
      f = RunList(w, b.rescue, env);
      w.pos.pop_back();
    }
    w.frames.pop_back();
    if (!b.always.empty() && !w.h.unreachable && !Stopped(w)) {
      bool was_failed = w.h.failed;
      w.h.failed = false;
      w.pos.push_back(2);
      Flow fa = RunList(w, b.always, env);
      w.pos.pop_back();
      w.h.failed = w.h.failed || was_failed;
      if (fa == Flow::kStop) f = Flow::kStop;
    }
    if (w.h.failed || w.h.unreachable || Stopped(w)) return Flow::kStop;
    return f == Flow::kStop && !w.h.failed ? Flow::kNext : f;
  }

  bool StaticTruthy(const Json& v) { return !v.is_null() && JsonTruthy(v); }

  Flow RunOne(Worker& w, const Task& task, const Env& env, const char* kind) {
    if (task.is_block) return RunBlock(w, task, env);
    if (!TagsSelect(task.tags, opt.tags, opt.skip_tags)) return Flow::kNext;
    if (!w.started) {
      if (task.name != opt.start_at_task && task.DisplayName() != opt.start_at_task) {
        return Flow::kNext;
      }
      w.started = true;
    }
    bool run_once = StaticTruthy(task.run_once);
    w.run.lockstep->Arrive(w.index, w.pos, &task, kind, run_once);
    if (Stopped(w)) return Flow::kStop;
    if (run_once) {
      std::unique_lock lock(misc_mutex);
      auto it = run_once_results.find({&task, w.pos});
      if (it != run_once_results.end()) {
        Json result = it->second;
        lock.unlock();
        ApplyRegister(w, task, result);
        return Flow::kNext;
      }
    }
    if (task.action == "include_tasks" || task.action == "include_role") {
      return RunInclude(w, task, env);
    }
    TaskOutcome out = RunTask(w, task, env);
    if (task.action == "meta") return Stopped(w) ? Flow::kStop : Flow::kNext;
    if (run_once) {
      std::lock_guard lock(misc_mutex);
      run_once_results[{&task, w.pos}] = out.result;
    }
    return Account(w, task, out);
  }

  struct TaskOutcome {
    ResultStatus status = ResultStatus::kOk;
    bool ignored = false;
    bool reported = false;
    Json result;
    double seconds = 0;
  };

  Flow Account(Worker& w, const Task& task, const TaskOutcome& out) {
    HostStats& s = w.h.stats;
    switch (out.status) {
      case ResultStatus::kUnreachable:
        if (out.ignored) {
          ++s.ok;
          ++s.ignored;
          return Flow::kNext;
        }
        ++s.unreachable;
        w.h.unreachable = true;
        return Flow::kStop;
      case ResultStatus::kFailed: {
        if (out.ignored) {
          ++s.ok;
          ++s.ignored;
          return Flow::kNext;
        }
        bool rescuing = std::any_of(w.frames.begin(), w.frames.end(),
                                    [](const Frame& f) { return f.has_rescue && f.in_block; });
        if (rescuing) {
          ++s.rescued;
          std::unique_lock lock(w.h.mutex);
          w.h.host_facts["ansible_failed_task"] = {{"name", task.name}, {"action", task.action}};
          w.h.host_facts["ansible_failed_result"] = out.result;
        } else {
          ++s.failed;
        }
        w.h.failed = true;
        return Flow::kStop;
      }
      case ResultStatus::kSkipped:
        ++s.skipped;
        return Flow::kNext;
      case ResultStatus::kChanged:
        ++s.ok;
        ++s.changed;
        Notify(w, task);
        return Flow::kNext;
      case ResultStatus::kOk:
        ++s.ok;
        return Flow::kNext;
    }
    return Flow::kNext;
  }

  void Notify(Worker& w, const Task& task) {
    for (const auto& name : task.notify) {
      auto it = w.run.handler_index.find(name);
      if (it == w.run.handler_index.end()) {
        reporter.Warning(fmt::format("the handler '{}' notified by '{}' was not found", name,
                                     task.DisplayName()));
        continue;
      }
      for (size_t i : it->second) w.h.notified.insert(i);
    }
  }

  void ApplyRegister(Worker& w, const Task& task, const Json& result) {
    std::unique_lock lock(w.h.mutex);
    if (!task.register_as.empty()) w.h.host_facts[task.register_as] = result;
    // A loop's facts are its items', applied in item order (the last value
    // of a name wins), as Ansible's strategy walks `results`.
    auto items = result.find("results");
    if (items != result.end() && items->is_array()) {
      for (const auto& item : *items) ApplyFacts(w, task, item);
    } else {
      ApplyFacts(w, task, result);
    }
  }

  // Caller holds w.h.mutex.
  void ApplyFacts(Worker& w, const Task& task, const Json& result) {
    if (!result.is_object()) return;
    auto facts = result.find("ansible_facts");
    if (facts == result.end() || !facts->is_object()) return;
    ResultStatus status = StatusOf(result);
    if (status != ResultStatus::kOk && status != ResultStatus::kChanged) return;
    if (task.action == "set_fact") {
      for (const auto& [k, v] : facts->items()) w.h.host_facts[k] = v;
    } else {
      // Facts a module returns (service_facts, package_facts, getent...)
      // become host facts, as Ansible's executor adds them.
      w.h.SetFacts(*facts);
    }
  }

  // --- one task on one host --------------------------------------------------

  TaskOutcome RunTask(Worker& w, const Task& task, const Env& env) {
    w.task_start = Clock::now();
    auto scope = ScopeFor(w, &task, nullptr, env);
    auto templar = make_templar(*scope, ContextFor(w.run, &task));
    TaskOutcome out;
    if (task.loop.is_null()) {
      out = RunItem(w, task, env, nullptr);
      Report(w, task, out, false, "");
    } else {
      auto items = LoopItems(w, task, *templar);
      if (!items) {
        out.result = FailResult(items.error().ToString());
        out.status = ResultStatus::kFailed;
        Report(w, task, out, false, "");
      } else {
        out = RunLoop(w, task, env, *items);
      }
    }
    ApplyRegister(w, task, out.result);
    return out;
  }

  Expected<Json> LoopItems(Worker& w, const Task& task, TaskTemplar& templar) {
    auto rendered = templar.RenderValue(task.loop, WhereText(task, "loop"));
    if (!rendered) return std::unexpected(rendered.error());
    Json v = std::move(*rendered);
    const std::string& kind = task.loop_kind;
    if (kind == "loop" || kind == "list") {
      if (!v.is_array()) {
        return Fail(
            fmt::format("Invalid data passed to 'loop', it requires a list, got this "
                        "instead: {}. Hint: If you passed a list/dict of just one "
                        "element, try adding wantlist=True to your lookup invocation "
                        "or use q/query instead of lookup.",
                        v.is_string() ? v.get<std::string>() : PyRepr(v)));
      }
      return v;
    }
    if (kind == "items" || kind == "flattened") {
      Json out = Json::array();
      std::function<void(const Json&, int)> flatten = [&](const Json& x, int depth) {
        if (x.is_array() && (depth > 0 || kind == "flattened" || depth == 0)) {
          for (const auto& e : x) {
            if (e.is_array() && (kind == "flattened" || depth == 0))
              flatten(e, depth + 1);
            else
              out.push_back(e);
          }
        } else {
          out.push_back(x);
        }
      };
      if (v.is_array())
        flatten(v, 0);
      else
        out.push_back(v);
      return out;
    }
    if (kind == "dict") {
      if (!v.is_object()) return Fail("with_dict expects a dict");
      Json out = Json::array();
      for (const auto& [k, val] : v.items()) out.push_back({{"key", k}, {"value", val}});
      return out;
    }
    if (kind == "indexed_items") {
      Json out = Json::array();
      for (size_t i = 0; i < v.size(); ++i) out.push_back(Json::array({i, v[i]}));
      return out;
    }
    if (kind == "together") {
      Json out = Json::array();
      size_t n = 0;
      for (const auto& l : v) n = std::max(n, l.size());
      for (size_t i = 0; i < n; ++i) {
        Json row = Json::array();
        for (const auto& l : v) row.push_back(i < l.size() ? l[i] : Json());
        out.push_back(row);
      }
      return out;
    }
    if (kind == "nested") {
      Json out = Json::array({Json::array()});
      for (const auto& l : v) {
        Json next = Json::array();
        for (const auto& prefix : out) {
          for (const auto& e : l.is_array() ? l : Json::array({l})) {
            Json row = prefix;
            row.push_back(e);
            next.push_back(row);
          }
        }
        out = next;
      }
      return out;
    }
    if (kind == "fileglob") {
      Json out = Json::array();
      for (const auto& pattern : v.is_array() ? v : Json::array({v})) {
        std::string pat = pattern.get<std::string>();
        std::vector<std::string> bases;
        if (fs::path(pat).is_absolute())
          bases.push_back("");
        else {
          for (const auto& p : ContextFor(w.run, &task).search_paths) bases.push_back(p + "/");
        }
        for (const auto& base : bases) {
          glob_t g{};
          if (glob((base + pat).c_str(), 0, nullptr, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; ++i) {
              if (fs::is_regular_file(g.gl_pathv[i])) out.push_back(g.gl_pathv[i]);
            }
          }
          globfree(&g);
          if (!out.empty()) break;
        }
      }
      return out;
    }
    if (kind == "sequence") {
      auto kv = ParseKeyValueArgs(v.is_string() ? v.get<std::string>() : "", true);
      Json out = Json::array();
      if (!kv) return std::unexpected(kv.error());
      auto num = [&](const char* k, long d) {
        return kv->contains(k)
                   ? std::stol((*kv)[k].is_string() ? (*kv)[k].get<std::string>() : (*kv)[k].dump())
                   : d;
      };
      long start = num("start", 1), stride = num("stride", 1);
      long end = kv->contains("count") ? start + (num("count", 0) - 1) * stride : num("end", 0);
      std::string format = kv->value("format", "%d");
      for (long i = start; stride > 0 ? i <= end : i >= end; i += stride) {
        char buf[256];
        std::snprintf(buf, sizeof buf, format.c_str(), i);
        out.push_back(std::string(buf));
      }
      return out;
    }
    if (kind == "subelements") {
      if (!v.is_array() || v.size() < 2) return Fail("with_subelements expects [list, key]");
      Json out = Json::array();
      std::string key = v[1].get<std::string>();
      for (const auto& e : v[0]) {
        if (!e.contains(key)) continue;
        for (const auto& sub : e[key]) out.push_back(Json::array({e, sub}));
      }
      return out;
    }
    // Any other with_<name> is query(name, ...), as in Ansible (filetree, ...).
    auto items = templar.Query(kind, v.is_array() ? v : Json::array({v}));
    if (!items) return Fail(fmt::format("with_{}: {}", kind, items.error().message));
    return items;
  }

  Json ItemVars(const Task& task, const Json& item, size_t index, size_t count) {
    std::string loop_var = task.loop_control.value("loop_var", "item");
    Json vars = {{loop_var, item}, {"ansible_loop_var", loop_var}};
    if (task.loop_control.contains("index_var")) {
      vars[task.loop_control["index_var"].get<std::string>()] = index;
    }
    if (JsonTruthy(task.loop_control.value("extended", Json(false)))) {
      vars["ansible_loop"] = {{"index", index + 1},
                              {"index0", index},
                              {"revindex", count - index},
                              {"revindex0", count - index - 1},
                              {"first", index == 0},
                              {"last", index + 1 == count},
                              {"length", count}};
    }
    return vars;
  }

  TaskOutcome RunLoop(Worker& w, const Task& task, const Env& env, const Json& items) {
    Json results = Json::array();
    bool changed = false, failed = false, all_skipped = true, unreachable = false;
    double pause = task.loop_control.value("pause", 0.0);
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0 && pause > 0) std::this_thread::sleep_for(std::chrono::duration<double>(pause));
      Json vars = ItemVars(task, items[i], i, items.size());
      TaskOutcome item = RunItem(w, task, env, &vars);
      item.result["item"] = items[i];
      item.result["ansible_loop_var"] = vars["ansible_loop_var"];
      std::string label = ItemLabel(items[i]);
      if (task.loop_control.contains("label")) {
        auto scope = ScopeFor(w, &task, &vars, env);
        auto templar = make_templar(*scope, ContextFor(w.run, &task));
        auto rendered = templar->RenderValue(task.loop_control["label"], WhereText(task, "label"));
        if (rendered) label = ItemLabel(*rendered);
      }
      Report(w, task, item, true, label);
      changed = changed || JsonTruthy(item.result.value("changed", Json(false)));
      failed = failed || item.status == ResultStatus::kFailed;
      unreachable = unreachable || item.status == ResultStatus::kUnreachable;
      all_skipped = all_skipped && item.status == ResultStatus::kSkipped;
      results.push_back(std::move(item.result));
    }
    TaskOutcome out;
    out.result = {{"changed", changed}, {"msg", "All items completed"}, {"results", results}};
    out.status = changed ? ResultStatus::kChanged : ResultStatus::kOk;
    if (items.empty() || all_skipped) {
      out.result["skipped"] = true;
      if (items.empty()) out.result["skipped_reason"] = "No items in the list";
      out.status = ResultStatus::kSkipped;
    }
    if (failed) {
      out.result["failed"] = true;
      out.result["msg"] = "One or more items failed";
      out.status = ResultStatus::kFailed;
    }
    if (unreachable) out.status = ResultStatus::kUnreachable;
    out.ignored = IgnoredFor(w, task, env, out.status);
    HostResult summary;
    summary.host = w.h.name;
    summary.task = &task;
    summary.status = out.status;
    summary.ignored = out.ignored;
    summary.result = StaticTruthy(task.no_log) ? CensoredResult(out.result) : out.result;
    summary.loop_summary = true;
    summary.seconds = std::chrono::duration<double>(Clock::now() - w.task_start).count();
    reporter.Result(summary);
    return out;
  }

  bool IgnoredFor(Worker& w, const Task& task, const Env& env, ResultStatus status) {
    const Json& flag = status == ResultStatus::kFailed        ? task.ignore_errors
                       : status == ResultStatus::kUnreachable ? task.ignore_unreachable
                                                              : Json();
    bool play_default = status == ResultStatus::kUnreachable && w.run.play->ignore_unreachable;
    if (flag.is_null()) return play_default;
    if (!flag.is_string()) return JsonTruthy(flag);
    auto scope = ScopeFor(w, &task, nullptr, env);
    auto templar = make_templar(*scope, ContextFor(w.run, &task));
    auto v = templar->RenderValue(flag, WhereText(task, "ignore_errors"));
    return v && JsonTruthy(*v);
  }

  void Report(Worker& w, const Task& task, TaskOutcome& out, bool is_item,
              const std::string& label) {
    if (task.action == "meta") return;
    if (!is_item) out.ignored = IgnoredFor(w, task, {}, out.status);
    HostResult r;
    r.host = w.h.name;
    r.task = &task;
    r.status = out.status;
    r.ignored = out.ignored;
    r.is_item = is_item;
    r.item_label = label;
    r.seconds = std::chrono::duration<double>(Clock::now() - w.task_start).count();
    r.result = StaticTruthy(task.no_log) ? CensoredResult(out.result) : out.result;
    if (out.result.contains("_delegated_to")) {
      r.delegated_to = out.result["_delegated_to"];
      r.result.erase("_delegated_to");
    }
    reporter.Result(r);
    if (is_item) return;
    int running = w.run.lockstep->Running();
    reporter.Progress(task.DisplayName(), running - 1, static_cast<int>(w.run.batch.size()));
  }

  // when, the action with until/retries, changed_when and failed_when.
  TaskOutcome RunItem(Worker& w, const Task& task, const Env& env, const Json* item_vars) {
    auto scope = ScopeFor(w, &task, item_vars, env);
    auto templar = make_templar(*scope, ContextFor(w.run, &task));
    TaskOutcome out;
    for (const auto& cond : task.when) {
      auto ok = templar->Condition(cond, WhereText(task, "when"));
      if (!ok) {
        out.result = FailResult(fmt::format("The conditional check '{}' failed. The error was: {}",
                                            cond, ok.error().ToString()));
        out.status = ResultStatus::kFailed;
        return out;
      }
      if (!*ok) {
        out.result = SkipResult(cond);
        out.status = ResultStatus::kSkipped;
        return out;
      }
    }
    int retries = 1;
    double delay = 5;
    if (!task.until.empty()) {
      retries = 3;
      auto r = templar->RenderValue(task.retries, WhereText(task, "retries"));
      if (r && r->is_number())
        retries = std::max(1, r->get<int>());
      else if (r && r->is_string())
        retries = std::max(1, std::atoi(r->get<std::string>().c_str()));
      auto d = templar->RenderValue(task.delay, WhereText(task, "delay"));
      if (d && d->is_number()) delay = d->get<double>();
    }
    Json result;
    for (int attempt = 1;; ++attempt) {
      result = RunAction(w, task, *templar);
      if (task.until.empty() || result.value("unreachable", false)) break;
      result["attempts"] = attempt;
      bool done = EvaluateAll(w, task, *templar, task.until, result, "until");
      if (done) {
        result.erase("failed");
        break;
      }
      if (attempt >= retries) {
        result["failed"] = true;
        break;
      }
      reporter.Note(fmt::format("FAILED - RETRYING: [{}]: {} ({} retries left).", w.h.name,
                                task.DisplayName(), retries - attempt));
      std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    }
    if (!result.value("unreachable", false) && !result.value("skipped", false)) {
      if (!task.changed_when.empty()) {
        result["changed"] =
            EvaluateAll(w, task, *templar, task.changed_when, result, "changed_when");
      }
      if (!task.failed_when.empty()) {
        bool failed = EvaluateAll(w, task, *templar, task.failed_when, result, "failed_when");
        result["failed_when_result"] = failed;
        result["failed"] = failed;
      }
    }
    if (result.contains("failed") && !JsonTruthy(result["failed"])) result.erase("failed");
    out.result = std::move(result);
    out.status = StatusOf(out.result);
    return out;
  }

  // Conditions that see the result under the register name (changed_when,
  // failed_when, until). An error counts as true for failed_when, as a failure.
  bool EvaluateAll(Worker& w, const Task& task, TaskTemplar& templar,
                   const std::vector<std::string>& conditions, Json& result, const char* what) {
    if (!task.register_as.empty()) {
      std::unique_lock lock(w.h.mutex);
      w.h.host_facts[task.register_as] = result;
    }
    for (const auto& c : conditions) {
      auto ok = templar.Condition(c, WhereText(task, what));
      if (!ok) {
        result["failed"] = true;
        result["msg"] = fmt::format("The conditional check '{}' failed. The error was: {}", c,
                                    ok.error().ToString());
        return std::string_view(what) == "failed_when";
      }
      if (!*ok) return false;
    }
    return true;
  }

  // --- actions -----------------------------------------------------------------

  Expected<Json> RenderArgs(Worker& w, const Task& task, TaskTemplar& templar) {
    Json raw = task.args;
    Json kept = Json::object();
    auto keep = [&](const char* key) {
      if (raw.contains(key)) {
        kept[key] = raw[key];
        raw.erase(key);
      }
    };
    if (task.action == "assert") keep("that");
    if (task.action == "debug") keep("var");
    const Json& defaults = w.run.play->module_defaults;
    for (const std::string& key : {task.action, std::string("ansible.builtin.") + task.action}) {
      if (defaults.contains(key) && defaults[key].is_object()) {
        for (const auto& [k, v] : defaults[key].items()) {
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

  Json RunAction(Worker& w, const Task& task, TaskTemplar& templar) {
    auto args = RenderArgs(w, task, templar);
    if (!args) return FailResult(args.error().ToString());
    const std::string& a = task.action;
    if (a == "debug") return ActionDebug(w, *args, templar, task);
    if (a == "set_fact") return ActionSetFact(*args);
    if (a == "assert") return ActionAssert(*args, templar, task);
    if (a == "fail") {
      return FailResult(args->value("msg", Json("Failed as requested from task")).is_string()
                            ? args->value("msg", "Failed as requested from task")
                            : PyRepr((*args)["msg"]));
    }
    if (a == "meta") return ActionMeta(w, *args);
    if (a == "pause") return ActionPause(*args);
    if (a == "add_host") return ActionAddHost(w, *args);
    if (a == "group_by") return ActionGroupBy(w, *args);
    if (a == "include_vars") return ActionIncludeVars(w, task, *args);
    if (a == "set_stats") return Json{{"changed", false}};
    if (a == "import_playbook") return FailResult("import_playbook is only valid at play level");
    return RunModule(w, task, templar, std::move(*args));
  }

  Json ActionDebug(Worker& w, const Json& args, TaskTemplar& templar, const Task& task) {
    int verbosity = args.value("verbosity", 0);
    if (verbosity > opt.verbosity) {
      return Json{{"changed", false},
                  {"skipped", true},
                  {"skipped_reason", "Verbosity threshold not met."}};
    }
    (void)w;
    if (args.contains("var")) {
      std::string var =
          args["var"].is_string() ? args["var"].get<std::string>() : args["var"].dump();
      std::string expr = var.find("{{") == std::string::npos ? "{{ " + var + " }}" : var;
      auto v = templar.RenderValue(Json(expr), WhereText(task, "var"));
      Json value = v ? *v : Json("VARIABLE IS NOT DEFINED!");
      return Json{{var, value}, {"changed", false}};
    }
    return Json{{"msg", args.contains("msg") ? args["msg"] : Json("Hello world!")},
                {"changed", false}};
  }

  Json ActionSetFact(const Json& args) {
    Json facts = Json::object();
    for (const auto& [k, v] : args.items()) {
      if (k == "cacheable") continue;
      facts[k] = v;
    }
    return Json{{"ansible_facts", facts}, {"changed", false}};
  }

  Json ActionAssert(const Json& args, TaskTemplar& templar, const Task& task) {
    Json that = args.value("that", Json::array());
    if (!that.is_array()) that = Json::array({that});
    for (const auto& c : that) {
      std::string cond = c.is_string() ? c.get<std::string>() : c.dump();
      auto ok = templar.Condition(cond, WhereText(task, "that"));
      if (!ok) return FailResult(ok.error().ToString());
      if (!*ok) {
        Json msg = args.contains("fail_msg") ? args["fail_msg"]
                   : args.contains("msg")    ? args["msg"]
                                             : Json("Assertion failed");
        return Json{{"assertion", cond},
                    {"changed", false},
                    {"evaluated_to", false},
                    {"failed", true},
                    {"msg", msg}};
      }
    }
    Json out = {{"changed", false},
                {"msg", args.value("success_msg", Json("All assertions passed"))}};
    if (JsonTruthy(args.value("quiet", Json(false)))) out["_ansible_quiet"] = true;
    return out;
  }

  Json ActionMeta(Worker& w, const Json& args) {
    std::string what = args.value("_raw_params", "");
    if (what == "flush_handlers") {
      Env env;
      RunHandlers(w, env);
    } else if (what == "end_play") {
      w.run.end_play = true;
    } else if (what == "end_host") {
      w.ended = true;
    } else if (what == "end_batch") {
      w.ended = true;
    } else if (what == "clear_facts") {
      std::unique_lock lock(w.h.mutex);
      w.h.facts = Json::object();
      w.h.facts_short = Json::object();
      w.h.host_facts = Json::object();
    } else if (what == "clear_host_errors") {
      w.h.failed = false;
    } else if (what == "refresh_inventory") {
      if (auto ok = catalog.Refresh(); !ok) return FailResult(ok.error().ToString());
      RefreshHostMagic(w.h);
    } else if (what != "noop" && what != "reset_connection") {
      return FailResult(fmt::format("invalid meta action requested: {}", what));
    }
    return Json{{"changed", false}};
  }

  Json ActionPause(const Json& args) {
    double seconds = 0;
    auto num = [](const Json& v) {
      return v.is_number() ? v.get<double>() : std::atof(v.get<std::string>().c_str());
    };
    if (args.contains("seconds")) seconds = num(args["seconds"]);
    if (args.contains("minutes")) seconds = num(args["minutes"]) * 60;
    auto start = Clock::now();
    if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    double delta = std::chrono::duration<double>(Clock::now() - start).count();
    return Json{{"changed", false},
                {"delta", static_cast<int>(delta)},
                {"stdout", fmt::format("Paused for {} seconds", seconds)}};
  }

  Json ActionAddHost(Worker& w, const Json& args) {
    std::string name;
    for (const char* k : {"name", "hostname", "host"}) {
      if (args.contains(k)) name = args[k].get<std::string>();
    }
    if (name.empty()) return FailResult("add_host needs 'name'");
    std::vector<std::string> groups;
    for (const char* k : {"groups", "group", "groupname"}) {
      if (args.contains(k)) {
        for (const auto& g : ToStringList(args[k], true)) groups.push_back(g);
      }
    }
    Json vars = Json::object();
    for (const auto& [k, v] : args.items()) {
      if (k != "name" && k != "hostname" && k != "host" && k != "groups" && k != "group" &&
          k != "groupname") {
        vars[k] = v;
      }
    }
    {
      std::lock_guard lock(misc_mutex);
      catalog.AddHost(name, groups, vars);
      w.run.vars.magic["groups"] = catalog.GroupsJson();
    }
    return Json{{"add_host", {{"host_name", name}, {"groups", groups}, {"host_vars", vars}}},
                {"changed", false}};
  }

  Json ActionGroupBy(Worker& w, const Json& args) {
    std::string key = args.value("key", "");
    if (key.empty()) return FailResult("group_by needs 'key'");
    std::vector<std::string> parents = ToStringList(args.value("parents", Json("all")), true);
    {
      std::lock_guard lock(misc_mutex);
      catalog.AddHost(w.h.name, {key}, Json::object());
      w.run.vars.magic["groups"] = catalog.GroupsJson();
    }
    RefreshHostMagic(w.h);
    return Json{{"add_group", key}, {"changed", false}, {"parent_groups", parents}};
  }

  Json ActionIncludeVars(Worker& w, const Task& task, const Json& args) {
    std::string file = args.value("file", args.value("_raw_params", ""));
    std::string dir = args.value("dir", "");
    std::vector<std::string> candidates;
    std::string target = file.empty() ? dir : file;
    if (target.empty()) return FailResult("include_vars needs a file or dir");
    if (fs::path(target).is_absolute()) candidates.push_back(target);
    if (task.role) candidates.push_back(task.role->path + "/vars/" + target);
    if (!task.file.empty())
      candidates.push_back((fs::path(task.file).parent_path() / "vars" / target).string());
    if (!task.file.empty())
      candidates.push_back((fs::path(task.file).parent_path() / target).string());
    candidates.push_back(w.run.play->playbook_dir + "/vars/" + target);
    candidates.push_back(w.run.play->playbook_dir + "/" + target);
    std::string found;
    for (const auto& c : candidates) {
      if (fs::exists(c)) {
        found = c;
        break;
      }
    }
    if (found.empty()) return FailResult(fmt::format("Could not find or access '{}'", target));
    std::vector<std::string> files;
    if (fs::is_directory(found)) {
      for (const auto& e : fs::recursive_directory_iterator(found)) {
        auto ext = e.path().extension();
        if (e.is_regular_file() && (ext == ".yml" || ext == ".yaml" || ext == ".json")) {
          files.push_back(e.path().string());
        }
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(found);
    }
    Json loaded = Json::object();
    for (const auto& f : files) {
      auto doc = LoadYamlFile(f);
      if (!doc) return FailResult(doc.error().ToString());
      if (doc->is_object()) {
        for (const auto& [k, v] : doc->items()) loaded[k] = v;
      }
    }
    std::string name = args.value("name", "");
    Json facts = name.empty() ? loaded : Json{{name, loaded}};
    {
      std::unique_lock lock(w.h.mutex);
      for (const auto& [k, v] : facts.items()) w.h.include_vars[k] = v;
    }
    return Json{
        {"ansible_facts", facts}, {"ansible_included_var_files", files}, {"changed", false}};
  }

  // --- includes ------------------------------------------------------------------

  Flow RunInclude(Worker& w, const Task& task, const Env& env) {
    auto scope = ScopeFor(w, &task, nullptr, env);
    auto templar = make_templar(*scope, ContextFor(w.run, &task));
    std::vector<Json> items;
    if (task.loop.is_null()) {
      items.push_back(Json());
    } else {
      auto list = LoopItems(w, task, *templar);
      if (!list) {
        TaskOutcome out{ResultStatus::kFailed, false, false, FailResult(list.error().ToString())};
        Report(w, task, out, false, "");
        return Account(w, task, out);
      }
      items.assign(list->begin(), list->end());
    }
    for (size_t i = 0; i < items.size(); ++i) {
      Json params =
          task.loop.is_null() ? Json::object() : ItemVars(task, items[i], i, items.size());
      if (env.include_params) {
        for (const auto& [k, v] : env.include_params->items()) {
          if (!params.contains(k)) params[k] = v;
        }
      }
      TaskOutcome skipped;
      auto item_scope = ScopeFor(w, &task, &params, env);
      auto item_templar = make_templar(*item_scope, ContextFor(w.run, &task));
      bool run = true;
      for (const auto& cond : task.when) {
        auto ok = item_templar->Condition(cond, WhereText(task, "when"));
        if (!ok) {
          TaskOutcome out{ResultStatus::kFailed, false, false, FailResult(ok.error().ToString())};
          Report(w, task, out, false, "");
          return Account(w, task, out);
        }
        if (!*ok) {
          skipped.result = SkipResult(cond);
          run = false;
          break;
        }
      }
      if (!run) {
        skipped.status = ResultStatus::kSkipped;
        Report(w, task, skipped, false, "");
        w.h.stats.skipped++;
        continue;
      }
      auto args = item_templar->RenderValue(task.args, WhereText(task, "args"));
      if (!args) {
        TaskOutcome out{ResultStatus::kFailed, false, false, FailResult(args.error().ToString())};
        Report(w, task, out, false, "");
        return Account(w, task, out);
      }
      ++w.h.stats.ok;  // an include counts as ok, as in Ansible's recap
      w.pos.push_back(static_cast<int>(i));
      std::string label = task.loop.is_null() ? "" : ItemLabel(items[i]);
      Flow f = task.action == "include_tasks" ? IncludeTasks(w, task, *args, params, env, label)
                                              : IncludeRole(w, task, *args, params, env);
      w.pos.pop_back();
      if (f == Flow::kStop) return f;
    }
    return Flow::kNext;
  }

  Flow IncludeFailed(Worker& w, const Task& task, const Error& e) {
    TaskOutcome out{ResultStatus::kFailed, false, false, FailResult(e.ToString())};
    Report(w, task, out, false, "");
    return Account(w, task, out);
  }

  Flow IncludeTasks(Worker& w, const Task& task, const Json& args, const Json& params,
                    const Env& env, const std::string& label) {
    std::string name = args.value("file", args.value("_raw_params", ""));
    std::string path =
        PlaybookLoader::ResolveTaskFile(name, task.file, task.role, w.run.play->playbook_dir);
    auto tasks = loader.IncludeTasks(path, task.role, task.where);
    if (!tasks) return IncludeFailed(w, task, tasks.error());
    std::string shown = fs::absolute(path).lexically_normal().string();
    reporter.Included(
        label.empty() ? shown : shown + " for " + w.h.name + " => (item=" + label + ")",
        label.empty() ? std::vector<std::string>{w.h.name} : std::vector<std::string>{});
    Json merged = params;
    for (const auto& [k, v] : task.vars.items()) merged[k] = v;
    Env inner{&merged, env.depth + 1};
    if (inner.depth > 50)
      return IncludeFailed(w, task,
                           Error{"include depth exceeded (recursive include?)", task.where, ""});
    // Tags of the include do not reach the included tasks (COMPAT.md), except via `apply`.
    if (args.contains("apply") && args["apply"].is_object()) {
      std::vector<Task> applied = **tasks;
      Task carrier;
      carrier.tags = ToStringList(args["apply"].value("tags", Json()), true);
      for (auto& t : applied) {
        for (const auto& tag : carrier.tags) t.tags.push_back(tag);
      }
      // Kept alive for the rest of the run: hosts may still be positioned in them.
      std::lock_guard lock(misc_mutex);
      applied_.push_back(std::make_unique<std::vector<Task>>(std::move(applied)));
      auto* list = applied_.back().get();
      return RunList(w, *list, inner);
    }
    return RunList(w, **tasks, inner);
  }
  std::vector<std::unique_ptr<std::vector<Task>>> applied_;

  Flow IncludeRole(Worker& w, const Task& task, const Json& args, const Json& params,
                   const Env& env) {
    auto role = loader.IncludeRole(args, w.run.play->playbook_dir, task.where);
    if (!role) return IncludeFailed(w, task, role.error());
    {
      std::lock_guard lock(misc_mutex);
      included_roles_.push_back(*role);
    }
    Json merged = params;
    for (const auto& [k, v] : task.vars.items()) merged[k] = v;
    Env inner{&merged, env.depth + 1};
    return RunList(w, (*role)->tasks, inner);
  }
  std::vector<std::shared_ptr<Role>> included_roles_;

  // --- modules -------------------------------------------------------------------

  Expected<HostTarget> TargetFor(Worker& w, const std::string& host, TaskTemplar& templar) {
    {
      std::lock_guard lock(misc_mutex);
      auto it = targets.find(host);
      if (it != targets.end()) return it->second;
    }
    Json vars = catalog.HostVars(host);
    if (host == "localhost" && !vars.contains("ansible_connection"))
      vars["ansible_connection"] = "local";
    Json conn = Json::object();
    for (const auto& [k, v] : vars.items()) {
      if (k.starts_with("ansible_") || k.starts_with("tend_")) conn[k] = v;
    }
    auto rendered = templar.RenderValue(conn, "connection variables of " + host);
    if (!rendered) return std::unexpected(rendered.error());
    const Play& play = *w.run.play;
    ConnectionOptions defaults = opt.connection;
    if (play.remote_user.is_string() && !rendered->contains("ansible_user")) {
      (*rendered)["ansible_user"] = play.remote_user;
    }
    if (play.connection.is_string() && !rendered->contains("ansible_connection")) {
      (*rendered)["ansible_connection"] = play.connection;
    }
    auto target = HostTargetFromVars(host, *rendered, defaults);
    if (!target) return target;
    std::lock_guard lock(misc_mutex);
    targets[host] = *target;
    return target;
  }

  std::optional<bool> RenderBool(const Json& v, TaskTemplar& templar, const Task& task) {
    if (v.is_null()) return std::nullopt;
    if (!v.is_string()) return JsonTruthy(v);
    auto r = templar.RenderValue(v, WhereText(task, "keyword"));
    if (!r) return std::nullopt;
    return JsonTruthy(*r);
  }

  Json RunModule(Worker& w, const Task& task, TaskTemplar& templar, Json args) {
    std::string host = w.h.name;
    std::string delegate;
    if (!task.delegate_to.is_null()) {
      auto d = templar.RenderValue(task.delegate_to, WhereText(task, "delegate_to"));
      if (!d) return FailResult(d.error().ToString());
      if (d->is_string() && d->get<std::string>() != host) delegate = d->get<std::string>();
    }
    auto target = TargetFor(w, delegate.empty() ? host : delegate, templar);
    if (!target) return FailResult(target.error().ToString());
    ModuleCall call;
    call.module = task.action;
    call.check = RenderBool(task.check_mode, templar, task).value_or(opt.check);
    call.diff = RenderBool(task.diff, templar, task).value_or(opt.diff);
    const Play& play = *w.run.play;
    call.become = RenderBool(task.become, templar, task);
    if (!call.become) call.become = RenderBool(play.become, templar, task);
    for (const Json* u : {&task.become_user, &play.become_user}) {
      if (call.become_user || u->is_null()) continue;
      auto r = templar.RenderValue(*u, WhereText(task, "become_user"));
      if (r && r->is_string()) call.become_user = r->get<std::string>();
    }
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
    Gate* throttle = ThrottleFor(task, templar);
    GateHold hold_throttle(throttle);
    AgentCall agent = [&](const ModuleCall& c) -> Json {
      auto session = pool.Get(*target);
      if (!session) return UnreachableResult(session.error());
      GateHold hold_fork(&forks);
      auto result = (*session)->Run(c);
      if (!result) return UnreachableResult(result.error());
      return std::move(*result);
    };
    Json r = RunAction(w, task, templar, std::move(args), call, agent);
    if (!delegate.empty()) r["_delegated_to"] = delegate;
    return r;
  }

  // template renders here; copy, unarchive, assemble and fetch have their
  // controller halves in RunWithControllerHalf; the rest is one call.
  Json RunAction(Worker& w, const Task& task, TaskTemplar& templar, Json args, ModuleCall& call,
                 const AgentCall& agent) {
    if (task.action == "template") {
      if (auto ok = PrepareTemplate(w, task, templar, args, call); !ok) {
        return FailResult(ok.error().ToString());
      }
    }
    call.args = std::move(args);
    ActionPlace place{w.h.name, w.run.play->playbook_dir,
                      [&](const std::string& name) { return FindLocalFile(w, task, name, "files"); }};
    return RunWithControllerHalf(std::move(call), place, agent);
  }

  Gate* ThrottleFor(const Task& task, TaskTemplar& templar) {
    const Json& t = task.throttle;
    if (t.is_null()) return nullptr;
    auto r = templar.RenderValue(t, WhereText(task, "throttle"));
    int n = r && r->is_number() ? r->get<int>() : 0;
    if (n <= 0) return nullptr;
    std::lock_guard lock(misc_mutex);
    auto& g = throttles[&task];
    if (!g) g = std::make_unique<Gate>(n);
    return g.get();
  }

  Json GatherFacts(Worker& w, const Task& task, const HostTarget& target, const ModuleCall& call,
                   const Json& args) {
    (void)task;
    if (w.h.facts_gathered || (!w.h.facts.empty() && task.action == "gather_facts")) {
      return Json{{"changed", false}, {"ansible_facts", w.h.facts_short}};
    }
    auto session = pool.Get(target);
    if (!session) return UnreachableResult(session.error());
    GateHold hold(&forks);
    auto facts = (*session)->Facts(call.become);
    if (!facts) return UnreachableResult(facts.error());
    Json r = std::move(*facts);
    if (JsonTruthy(r.value("failed", Json(false)))) return r;
    Json f = r.value("ansible_facts", Json::object());
    if (args.contains("filter")) {
      Json filtered = Json::object();
      for (const auto& pattern : ToStringList(args["filter"], true)) {
        for (const auto& [k, v] : f.items()) {
          if (fnmatch(pattern.c_str(), k.c_str(), 0) == 0) filtered[k] = v;
        }
      }
      f = filtered;
      r["ansible_facts"] = f;
    }
    {
      std::unique_lock lock(w.h.mutex);
      w.h.SetFacts(f);
      w.h.facts_gathered = true;
    }
    if (!opt.fact_cache_dir.empty()) WriteCachedFacts(opt.fact_cache_dir, w.h.name, w.h.facts);
    r.erase("ansible_facts");
    r["changed"] = false;
    return r;
  }

  std::string FindLocalFile(Worker& w, const Task& task, const std::string& name,
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

  Expected<void> PrepareTemplate(Worker& w, const Task& task, TaskTemplar& templar, Json& args,
                                 ModuleCall& call) {
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

};

Executor::Executor(HostCatalog& hosts, SessionFactory& sessions, Reporter& reporter,
                   PlaybookLoader& loader, TemplarFactory templar, ExecOptions options)
    : impl_(std::make_unique<Impl>(hosts, sessions, reporter, loader, std::move(templar),
                                   std::move(options))) {}

Executor::~Executor() = default;

RunSummary Executor::Run(const Playbook& book) {
  impl_->Run(book);
  return impl_->summary;
}

}  // namespace tend
