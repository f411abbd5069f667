#include <fnmatch.h>

#include "modules/framework/all.h"
#include "modules/system/facts.h"
#include "modules/system/local_facts.h"

namespace tend {
namespace {

// Ansible's filter: shell patterns on the names; a pattern not starting
// with ansible_ (facter, ohai) also matches with that prefix added.
bool Matches(const std::string& key, const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    if (pattern.empty() || ::fnmatch(pattern.c_str(), key.c_str(), 0) == 0) return true;
    bool prefixable = !pattern.starts_with("ansible_") && !pattern.starts_with("facter") &&
                      !pattern.starts_with("ohai");
    if (prefixable && ::fnmatch(("ansible_" + pattern).c_str(), key.c_str(), 0) == 0) return true;
  }
  return false;
}

}  // namespace

const ModuleSpec& SetupSpec() {
  static const ModuleSpec spec{
      .name = "setup",
      .short_description = "Gathers facts about remote hosts",
      .args = {{.name = "gather_subset", .type = ArgType::kList, .default_value = {"all"}},
               {.name = "gather_timeout", .type = ArgType::kInt, .default_value = 10},
               {.name = "filter", .type = ArgType::kList, .default_value = Json::array()},
               {.name = "fact_path", .type = ArgType::kPath, .default_value = "/etc/ansible/facts.d"}},
      .returns = {"ansible_facts"},
  };
  return spec;
}

Expected<Json> RunSetup(ModuleContext& context) {
  auto subset = context.args["gather_subset"].get<std::vector<std::string>>();
  auto collectors = ResolveGatherSubset(subset);
  if (!collectors) return Json{{"failed", true}, {"msg", collectors.error().message}};
  // Facts describe the machine the agent runs on; tests of the shaping use
  // fixtures through ReadFactSources instead of the Host seam.
  FactSources sources = ReadFactSources("/");
  ReadLiveFactSources(sources, context.args["gather_timeout"].get<int>());
  std::vector<std::string> warnings;
  if (collectors->contains("local")) {
    sources.local = ReadLocalFacts(*context.host, context.args["fact_path"].get<std::string>(), warnings);
  }
  for (const auto& point : sources.mount_timeouts) {
    warnings.push_back("Timeout exceeded when getting mount info for " + point);
  }
  Json facts = ShapeFacts(sources, *collectors);
  auto filters = context.args["filter"].get<std::vector<std::string>>();
  if (!filters.empty()) {
    Json kept = Json::object();
    for (const auto& [key, value] : facts.items()) {
      if (Matches(key, filters)) kept[key] = value;
    }
    facts = std::move(kept);
  }
  facts["gather_subset"] = subset;
  facts["module_setup"] = true;
  Json result{{"changed", false}, {"ansible_facts", facts}};
  if (!warnings.empty()) result["warnings"] = warnings;
  return result;
}

}  // namespace tend
