#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/host/docker_api.h"

namespace tend {
namespace {

std::string NetworkPath(const std::string& name) {
  return "/networks/" + UrlEncode(name);
}

Json IpamConfigBody(const Json& entries) {
  Json out = Json::array();
  for (const auto& e : entries) {
    Json c = Json::object();
    if (e.contains("subnet")) c["Subnet"] = e["subnet"];
    if (e.contains("gateway")) c["Gateway"] = e["gateway"];
    if (e.contains("iprange")) c["IPRange"] = e["iprange"];
    if (e.contains("aux_addresses")) c["AuxiliaryAddresses"] = e["aux_addresses"];
    out.push_back(c);
  }
  return out;
}

// Desired entries of a dict that the network lacks or holds with another value.
bool SubsetDiffers(const Json& have, const Json& want) {
  for (const auto& [k, v] : want.items()) {
    if (!have.is_object() || !have.contains(k) || have[k] != v) return true;
  }
  return false;
}

// Each configured IPAM entry must match the network's entry for its subnet.
bool IpamDiffers(const Json& have, const Json& want) {
  Json configs = have.is_array() ? have : Json::array();
  if (configs.size() != want.size()) return true;
  for (const auto& w : want) {
    bool matched = false;
    for (const auto& h : configs) {
      if (h.value("Subnet", "") != w.value("Subnet", "")) continue;
      matched = true;
      for (const char* key : {"Gateway", "IPRange"}) {
        if (w.contains(key) && h.value(key, "") != w[key]) matched = false;
      }
    }
    if (!matched) return true;
  }
  return false;
}

std::vector<std::string> Differences(ModuleContext& context, Json network) {
  std::vector<std::string> out;
  if (context.Has("driver") && network.value("Driver", "") != context.Str("driver")) out.push_back("driver");
  if (context.Has("driver_options") && SubsetDiffers(network["Options"], context.args["driver_options"]))
    out.push_back("driver_options");
  if (context.Has("ipam_config") &&
      IpamDiffers(network["IPAM"]["Config"], IpamConfigBody(context.args["ipam_config"])))
    out.push_back("ipam_config");
  if (context.Has("internal") && network.value("Internal", false) != context.Bool("internal"))
    out.push_back("internal");
  if (context.Has("attachable") && network.value("Attachable", false) != context.Bool("attachable"))
    out.push_back("attachable");
  if (context.Has("enable_ipv6") && network.value("EnableIPv6", false) != context.Bool("enable_ipv6"))
    out.push_back("enable_ipv6");
  if (context.Has("labels") && SubsetDiffers(network["Labels"], context.args["labels"]))
    out.push_back("labels");
  return out;
}

Json CreateBody(ModuleContext& context) {
  Json body{{"Name", context.Str("name")},
            {"Driver", context.Str("driver", "bridge")},
            {"CheckDuplicate", true}};
  if (context.Has("driver_options")) body["Options"] = context.args["driver_options"];
  Json ipam{{"Driver", context.Str("ipam_driver", "default")}};
  if (context.Has("ipam_config")) ipam["Config"] = IpamConfigBody(context.args["ipam_config"]);
  body["IPAM"] = ipam;
  if (context.Has("internal")) body["Internal"] = context.Bool("internal");
  if (context.Has("attachable")) body["Attachable"] = context.Bool("attachable");
  if (context.Has("enable_ipv6")) body["EnableIPv6"] = context.Bool("enable_ipv6");
  if (context.Has("labels")) body["Labels"] = context.args["labels"];
  return body;
}

Expected<void> Remove(ModuleContext& context, DockerClient& docker, Json network) {
  std::string id = network.value("Id", "");
  if (context.Bool("force") && network["Containers"].is_object()) {
    for (const auto& [container, unused] : network["Containers"].items()) {
      auto done = docker.Call("POST", NetworkPath(id) + "/disconnect",
                              {{"Container", container}, {"Force", true}});
      if (!done) return std::unexpected(done.error());
    }
  }
  auto removed = docker.Call("DELETE", NetworkPath(id));
  if (!removed) return std::unexpected(removed.error());
  return {};
}

}  // namespace

const ModuleSpec& DockerNetworkSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "docker_network",
        .short_description = "Manage Docker networks",
        .args = {{.name = "name", .type = ArgType::kStr, .required = true, .aliases = {"network_name"}},
                 {.name = "driver", .type = ArgType::kStr, .default_value = "bridge"},
                 {.name = "driver_options", .type = ArgType::kDict},
                 {.name = "ipam_driver", .type = ArgType::kStr},
                 {.name = "ipam_config", .type = ArgType::kList, .elements = ArgType::kDict},
                 {.name = "internal", .type = ArgType::kBool},
                 {.name = "attachable", .type = ArgType::kBool},
                 {.name = "enable_ipv6", .type = ArgType::kBool},
                 {.name = "labels", .type = ArgType::kDict},
                 {.name = "force", .type = ArgType::kBool, .default_value = false},
                 {.name = "state", .type = ArgType::kStr, .default_value = "present",
                  .choices = {"absent", "present"}}},
        .supports_diff = true,
        .returns = {"network", "actions"},
    };
    for (auto& arg : DockerCommonArgs()) s.args.push_back(std::move(arg));
    return s;
  }();
  return spec;
}

Expected<Json> RunDockerNetwork(ModuleContext& context) {
  auto opened = OpenDocker(context);
  if (!opened) return std::unexpected(opened.error());
  DockerClient& docker = **opened;
  std::string name = context.Str("name");
  auto existing = docker.Inspect(NetworkPath(name));
  if (!existing) return std::unexpected(existing.error());
  Json actions = Json::array();
  if (context.Str("state") == "absent") {
    if (*existing) {
      actions.push_back(fmt::format("Removed network {}", name));
      if (!context.check) {
        auto removed = Remove(context, docker, **existing);
        if (!removed) return std::unexpected(removed.error());
      }
    }
    return Json{{"changed", !actions.empty()}, {"actions", actions}};
  }
  std::vector<std::string> differences;
  if (*existing) differences = Differences(context, **existing);
  if (*existing && !differences.empty()) {
    actions.push_back(fmt::format("Removed network {}", name));
    if (!context.check) {
      auto removed = Remove(context, docker, **existing);
      if (!removed) return std::unexpected(removed.error());
    }
  }
  if (!*existing || !differences.empty()) {
    actions.push_back(fmt::format("Created network {} with driver {}", name, context.Str("driver")));
    if (!context.check) {
      auto created = docker.Call("POST", "/networks/create", CreateBody(context));
      if (!created) return std::unexpected(created.error());
    }
  }
  Json network = *existing ? **existing : Json::object();
  if (!context.check && !actions.empty()) {
    auto found = docker.Inspect(NetworkPath(name));
    if (!found) return std::unexpected(found.error());
    network = found->value_or(Json::object());
  }
  Json result{{"changed", !actions.empty()}, {"actions", actions}, {"network", network}};
  if (context.diff && !differences.empty()) result["diff"] = {{"differences", differences}};
  return result;
}

}  // namespace tend
