#include <fnmatch.h>

#include <set>

#include "modules/framework/all.h"
#include "modules/system/facts.h"

namespace tend {
namespace {

// Keys of the hardware and network subsets (everything else is "min").
bool InSubset(const std::string& key, const Json& value, std::string_view subset) {
  static const std::set<std::string> kHardware{
      "ansible_memtotal_mb",     "ansible_memfree_mb",
      "ansible_swaptotal_mb",    "ansible_swapfree_mb",
      "ansible_processor",       "ansible_processor_vcpus",
      "ansible_processor_nproc", "ansible_processor_count",
      "ansible_processor_cores", "ansible_processor_threads_per_core",
      "ansible_mounts",          "ansible_uptime_seconds"};
  static const std::set<std::string> kNetwork{"ansible_interfaces", "ansible_all_ipv4_addresses",
                                              "ansible_all_ipv6_addresses", "ansible_default_ipv4"};
  if (subset == "hardware") return kHardware.contains(key);
  bool interface = value.is_object() && value.contains("device") && value.contains("active");
  return kNetwork.contains(key) || interface;
}

// Ansible's gather_subset: "all" by default; "!x" excludes, "min" is always in.
Json SelectSubsets(Json facts, const std::vector<std::string>& subsets) {
  std::set<std::string> include, exclude;
  for (const auto& s : subsets) {
    if (s.starts_with('!'))
      exclude.insert(s.substr(1));
    else
      include.insert(s);
  }
  if (include.empty() && !exclude.contains("all")) include.insert("all");
  auto wanted = [&](const char* subset) {
    return (include.contains("all") || include.contains(subset)) && !exclude.contains(subset);
  };
  bool hardware = wanted("hardware"), network = wanted("network");
  Json out = Json::object();
  for (auto& [key, value] : facts.items()) {
    if (!hardware && InSubset(key, value, "hardware")) continue;
    if (!network && InSubset(key, value, "network")) continue;
    out[key] = std::move(value);
  }
  return out;
}

}  // namespace

const ModuleSpec& SetupSpec() {
  static const ModuleSpec spec{
      .name = "setup",
      .short_description = "Gathers facts about remote hosts",
      .args = {{.name = "gather_subset", .type = ArgType::kList, .default_value = {"all"}},
               {.name = "gather_timeout", .type = ArgType::kInt, .default_value = 10},
               {.name = "filter", .type = ArgType::kList, .default_value = Json::array()},
               {.name = "fact_path", .type = ArgType::kPath}},
      .returns = {"ansible_facts"},
  };
  return spec;
}

Expected<Json> RunSetup(ModuleContext& context) {
  // Facts describe the machine the agent runs on; tests of the shaping use
  // fixtures through ReadFactSources instead of the Host seam.
  FactSources sources = ReadFactSources("/");
  ReadLiveFactSources(sources);
  Json facts = SelectSubsets(ShapeFacts(sources),
                             context.args["gather_subset"].get<std::vector<std::string>>());
  auto filters = context.args["filter"].get<std::vector<std::string>>();
  if (!filters.empty()) {
    Json kept = Json::object();
    for (const auto& [key, value] : facts.items()) {
      for (const auto& pattern : filters) {
        if (::fnmatch(pattern.c_str(), key.c_str(), 0) == 0) {
          kept[key] = value;
          break;
        }
      }
    }
    facts = std::move(kept);
  }
  facts["gather_subset"] = context.args["gather_subset"];
  facts["module_setup"] = true;
  return Json{{"changed", false}, {"ansible_facts", facts}};
}

}  // namespace tend
