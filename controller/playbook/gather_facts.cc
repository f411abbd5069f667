#include "controller/playbook/gather_facts.h"

#include <fnmatch.h>

#include "controller/connection/fact_cache.h"
#include "controller/playbook/host_worker.h"
#include "controller/playbook/run_context.h"

namespace tend {
namespace {

// `filter`: only the facts whose names match one of the shell patterns.
Json FilterFacts(const Json& facts, const Json& filter) {
  Json filtered = Json::object();
  for (const auto& pattern : ToStringList(filter, true)) {
    for (const auto& [k, v] : facts.items()) {
      if (fnmatch(pattern.c_str(), k.c_str(), 0) == 0) filtered[k] = v;
    }
  }
  return filtered;
}

}  // namespace

Json GatherFacts(HostWorker& w, const Task& task, const HostTarget& target, const ModuleCall& call,
                 const Json& args) {
  if (w.h.facts_gathered || (!w.h.facts.empty() && task.action == "gather_facts")) {
    return Json{{"changed", false}, {"ansible_facts", w.h.facts_short}};
  }
  Json r = w.ctx.remote.Facts(target, call.become);
  if (r.value("unreachable", false) || JsonTruthy(r.value("failed", Json(false)))) return r;
  Json facts = r.value("ansible_facts", Json::object());
  if (args.contains("filter")) {
    facts = FilterFacts(facts, args["filter"]);
    r["ansible_facts"] = facts;
  }
  {
    std::unique_lock lock(w.h.mutex);
    w.h.SetFacts(facts);
    w.h.facts_gathered = true;
  }
  const ExecOptions& opt = w.ctx.opt;
  if (!opt.fact_cache_dir.empty()) WriteCachedFacts(opt.fact_cache_dir, w.h.name, w.h.facts);
  r.erase("ansible_facts");
  r["changed"] = false;
  return r;
}

}  // namespace tend
