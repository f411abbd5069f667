#include "controller/playbook/gather_facts.h"

#include "controller/connection/fact_cache.h"
#include "controller/playbook/host_worker.h"
#include "controller/playbook/run_context.h"

namespace tend {

Json GatherFacts(HostWorker& w, const Task& task, const HostTarget& target, const ModuleCall& call,
                 const Json& args) {
  Json setup_args = Json::object();
  for (const char* key : {"gather_subset", "gather_timeout", "filter", "fact_path"}) {
    if (args.contains(key) && !args[key].is_null()) setup_args[key] = args[key];
  }
  // A play's implicit gathering reuses what this run gathered with the same
  // arguments (or a fact cache's answer to a play asking nothing special);
  // a play asking for another subset or fact_path, and an explicit `setup`
  // task, gather again as Ansible's do.
  bool implicit = task.action == "gather_facts";
  bool same = w.h.facts_gathered ? w.h.gathered_with == setup_args.dump()
                                 : !w.h.facts.empty() && setup_args.empty();
  if (implicit && same) return Json{{"changed", false}, {"ansible_facts", w.h.facts_short}};
  Json r = w.ctx.remote.Facts(target, call.become, setup_args);
  if (r.value("unreachable", false) || JsonTruthy(r.value("failed", Json(false)))) return r;
  Json facts = r.value("ansible_facts", Json::object());
  {
    std::unique_lock lock(w.h.mutex);
    w.h.SetFacts(facts);
    w.h.facts_gathered = true;
    w.h.gathered_with = setup_args.dump();
  }
  const ExecOptions& opt = w.ctx.opt;
  if (!opt.fact_cache_dir.empty()) WriteCachedFacts(opt.fact_cache_dir, w.h.name, w.h.facts);
  r["changed"] = false;
  return r;
}

}  // namespace tend
