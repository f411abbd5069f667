#include "controller/playbook/play_runner.h"

#include <algorithm>
#include <filesystem>
#include <thread>

#include "controller/playbook/host_worker.h"
#include "controller/playbook/run_context.h"
#include "controller/playbook/vars_files.h"
#include "controller/yaml/yaml.h"
#include "core/json_object.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

bool IsTemplate(const std::string& s) { return s.find("{{") != std::string::npos; }

// A list rendered from `hosts: "{{ some_list }}"` is a union pattern.
std::string HostsPattern(const Json& value) {
  if (!value.is_array()) return value.dump();
  std::string out;
  for (const auto& item : value) {
    if (!out.empty()) out += ",";
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

void OrderHosts(const std::string& order, std::vector<HostState*>& hosts) {
  if (order == "reverse_inventory") std::reverse(hosts.begin(), hosts.end());
  if (order == "sorted" || order == "reverse_sorted") {
    std::sort(hosts.begin(), hosts.end(), [](auto* a, auto* b) { return a->name < b->name; });
    if (order == "reverse_sorted") std::reverse(hosts.begin(), hosts.end());
  }
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

Json HostNames(const std::vector<HostState*>& hosts) {
  Json names = Json::array();
  for (auto* h : hosts) names.push_back(h->name);
  return names;
}

}  // namespace

RunSummary PlayRunner::Run(const Playbook& book) {
  RunSummary summary;
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
  for (const auto& [name, h] : ctx_.hosts.All()) {
    summary.stats[name] = h->stats;
    if (h->stats.failed > 0) summary.any_failed = true;
    if (h->stats.unreachable > 0) summary.any_unreachable = true;
  }
  if (!summary.error) ctx_.reporter.Recap(summary.stats);
  ctx_.remote.CloseAll();
  return summary;
}

// A copy of `play` with `hosts` and `name` rendered, or nothing when
// neither holds a template (the common case copies nothing).
Expected<std::optional<Play>> PlayRunner::TemplatePlayHeader(const Play& play) {
  if (!IsTemplate(play.hosts) && !IsTemplate(play.name)) return std::optional<Play>{};
  Json vars = play.vars;
  for (const auto& [k, v] : ctx_.opt.extra_vars.items()) vars[k] = v;
  JsonScope scope(vars);
  auto templar = ctx_.make_templar(scope, TemplarContext{{play.playbook_dir}});
  Play copy = play;
  for (std::string* field : {&copy.hosts, &copy.name}) {
    if (!IsTemplate(*field)) continue;
    auto rendered = templar->RenderValue(Json(*field), "play hosts");
    if (!rendered) return std::unexpected(rendered.error());
    *field = rendered->is_string() ? rendered->get<std::string>() : HostsPattern(*rendered);
  }
  return std::optional<Play>(std::move(copy));
}

// The play's hosts in its `order`; failed hosts have left the playbook.
Expected<std::vector<HostState*>> PlayRunner::PlayHosts(const Play& play) {
  auto matched = ctx_.catalog.Match(play.hosts);
  if (!matched) return std::unexpected(matched.error());
  std::vector<HostState*> all;
  for (const auto& name : *matched) {
    HostState& h = ctx_.hosts.StateFor(name);
    if (h.failed || h.unreachable) continue;
    all.push_back(&h);
  }
  OrderHosts(play.order, all);
  return all;
}

Expected<void> PlayRunner::RunPlay(const Play& play) {
  ctx_.reporter.PlayStart(play);
  auto all = PlayHosts(play);
  if (!all) return std::unexpected(all.error());
  if (all->empty()) {
    ctx_.reporter.Note("skipping: no hosts matched");
    return {};
  }
  PlayRun run;
  run.play = &play;
  if (auto ok = PrepareVars(run, *all); !ok) return ok;
  IndexHandlers(run);
  run.gather_task = play.keywords;
  run.gather_task.name = "Gathering Facts";
  run.gather_task.action = "gather_facts";
  run.gather_task.tags = {"always"};
  run.gather_task.where = play.where;
  // The play's fact keywords are the implicit setup's arguments, rendered
  // like any task's.
  for (const auto& [keyword, value] : {std::pair{"gather_subset", &play.gather_subset},
                                       {"gather_timeout", &play.gather_timeout},
                                       {"fact_path", &play.fact_path}}) {
    if (!value->is_null()) run.gather_task.args[keyword] = *value;
  }
  run.templar_context.search_paths = {play.playbook_dir + "/templates",
                                      play.playbook_dir + "/files", play.playbook_dir};
  size_t offset = 0;
  for (size_t size : SerialBatches(play.serial, all->size())) {
    std::vector<HostState*> batch(all->begin() + offset, all->begin() + offset + size);
    offset += size;
    std::erase_if(batch, [](HostState* h) { return h->failed || h->unreachable; });
    if (batch.empty()) continue;
    RunBatch(run, batch);
    if (run.end_play) break;
  }
  return {};
}

Expected<void> PlayRunner::PrepareVars(PlayRun& run, const std::vector<HostState*>& all) {
  const Play& play = *run.play;
  run.vars.extra_vars = &ctx_.opt.extra_vars;
  run.vars.play_vars = play.vars;
  for (const auto& p : play.vars_prompt) {
    if (!run.vars.play_vars.contains(p.name)) run.vars.play_vars[p.name] = p.default_value;
  }
  for (const auto& role : play.roles) {
    for (const auto& [k, v] : role->defaults.items()) run.vars.role_defaults_all[k] = v;
    for (const auto& [k, v] : role->vars.items()) run.vars.role_vars_all[k] = v;
  }
  SetMagicVars(run, all);
  for (auto* h : all) ctx_.hosts.RefreshMagic(*h);
  // vars_files are read once per play with play-level variables; per-host
  // templated file names use the first host's view, as most playbooks name
  // files by group or OS that every host of the play shares.
  for (const auto& file : play.vars_files) {
    auto loaded = LoadVarsFile(run, *all.front(), file);
    if (!loaded) return std::unexpected(loaded.error());
    MergeObject(run.vars.play_vars, *loaded);
  }
  return {};
}

void PlayRunner::SetMagicVars(PlayRun& run, const std::vector<HostState*>& all) {
  const Play& play = *run.play;
  const ExecOptions& opt = ctx_.opt;
  Json names = HostNames(all);
  Json& m = run.vars.magic;
  m["groups"] = ctx_.catalog.GroupsJson();
  m["ansible_play_hosts_all"] = names;
  m["ansible_play_hosts"] = names;
  m["play_hosts"] = names;
  m["ansible_play_batch"] = names;
  m["ansible_play_name"] = play.name;
  m["playbook_dir"] = play.playbook_dir;
  m["inventory_dir"] = ctx_.catalog.InventoryDir();
  m["ansible_check_mode"] = opt.check;
  m["ansible_diff_mode"] = opt.diff;
  m["ansible_verbosity"] = opt.verbosity;
  m["ansible_forks"] = opt.forks;
  m["ansible_run_tags"] = opt.tags.empty() ? Json::array({"all"}) : Json(opt.tags);
  m["ansible_skip_tags"] = opt.skip_tags;
  m["ansible_version"] = {
      {"full", "2.14.0"}, {"major", 2}, {"minor", 14}, {"revision", 0}, {"string", "2.14.0"}};
}

Expected<Json> PlayRunner::LoadVarsFile(PlayRun& run, HostState& h, const std::string& name) {
  TaskScope scope(run.vars, h, nullptr, nullptr, nullptr,
                  [this] { return ctx_.hosts.BuildHostvars(); });
  auto templar = ctx_.make_templar(scope, ContextFor(run, nullptr));
  auto rendered = templar->RenderValue(Json(name), "vars_files");
  if (!rendered) return std::unexpected(rendered.error());
  std::string file = rendered->is_string() ? rendered->get<std::string>() : name;
  fs::path p =
      fs::path(file).is_absolute() ? fs::path(file) : fs::path(run.play->playbook_dir) / file;
  auto doc = ReadVarsFile(p.string(), ctx_.opt.vault_secrets);
  if (!doc) return std::unexpected(doc.error());
  if (doc->is_null()) return Json::object();
  if (!doc->is_object()) return Fail("a vars file must hold a mapping", Location{p.string()});
  return *doc;
}

void PlayRunner::RunBatch(PlayRun& run, const std::vector<HostState*>& batch) {
  run.batch = batch;
  run.failed_seen = 0;
  run.run_once.Clear();
  run.vars.magic["ansible_play_batch"] = HostNames(batch);
  bool linear = run.play->strategy != "free";
  Lockstep::Hooks hooks;
  hooks.released = [this](const Lockstep::Group& g, bool repeat) {
    if (!repeat) ctx_.reporter.TaskStart(*g.task, g.kind);
  };
  hooks.finished = [this, &run](const Lockstep::Group& g) { GroupFinished(run, g); };
  run.lockstep = std::make_unique<Lockstep>(linear, batch.size(), hooks, ctx_.opt.forks == 1);
  std::vector<std::thread> threads;
  threads.reserve(batch.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    threads.emplace_back([this, &run, i] {
      HostWorker worker(ctx_, run, *run.batch[i], i, ctx_.opt.start_at_task.empty());
      worker.Main();
      run.lockstep->Finish(i);
    });
  }
  for (auto& t : threads) t.join();
}

// any_errors_fatal and max_fail_percentage act between tasks.
void PlayRunner::GroupFinished(PlayRun& run, const Lockstep::Group& g) {
  const Play& play = *run.play;
  bool fatal = play.any_errors_fatal || JsonTruthy(g.task->any_errors_fatal);
  size_t failed = std::count_if(run.batch.begin(), run.batch.end(),
                                [](HostState* h) { return h->failed || h->unreachable; });
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

}  // namespace tend
