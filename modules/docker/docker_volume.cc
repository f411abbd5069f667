#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/host/docker_api.h"

namespace tend {
namespace {

std::string VolumePath(const std::string& name) {
  return "/volumes/" + UrlEncode(name);
}

// What the arguments set and the volume holds differently (driver, driver
// options, labels); used by recreate=options-changed.
std::vector<std::string> Differences(ModuleContext& context, Json volume) {
  std::vector<std::string> out;
  if (volume.value("Driver", "") != context.Str("driver", "local")) out.push_back("driver");
  auto subset_differs = [](const Json& have, const Json& want) {
    for (const auto& [k, v] : want.items()) {
      if (!have.is_object() || !have.contains(k) || have[k] != v) return true;
    }
    return false;
  };
  if (context.Has("driver_options") && subset_differs(volume["Options"], context.args["driver_options"]))
    out.push_back("driver_options");
  if (context.Has("labels") && subset_differs(volume["Labels"], context.args["labels"]))
    out.push_back("labels");
  return out;
}

Json CreateBody(ModuleContext& context) {
  Json body{{"Name", context.Str("volume_name")}, {"Driver", context.Str("driver", "local")}};
  if (context.Has("driver_options")) {
    Json options = Json::object();
    for (const auto& [k, v] : context.args["driver_options"].items()) {
      options[k] = v.is_string() ? v.get<std::string>() : v.dump();
    }
    body["DriverOpts"] = options;
  }
  if (context.Has("labels")) body["Labels"] = context.args["labels"];
  return body;
}

}  // namespace

const ModuleSpec& DockerVolumeSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "docker_volume",
        .short_description = "Manage Docker volumes",
        .args = {{.name = "volume_name", .type = ArgType::kStr, .required = true, .aliases = {"name"}},
                 {.name = "driver", .type = ArgType::kStr, .default_value = "local"},
                 {.name = "driver_options", .type = ArgType::kDict},
                 {.name = "labels", .type = ArgType::kDict},
                 {.name = "recreate", .type = ArgType::kStr, .default_value = "never",
                  .choices = {"always", "never", "options-changed"}},
                 {.name = "state", .type = ArgType::kStr, .default_value = "present",
                  .choices = {"absent", "present"}}},
        .supports_diff = true,
        .returns = {"volume", "actions"},
    };
    for (auto& arg : DockerCommonArgs()) s.args.push_back(std::move(arg));
    return s;
  }();
  return spec;
}

Expected<Json> RunDockerVolume(ModuleContext& context) {
  auto opened = OpenDocker(context);
  if (!opened) return std::unexpected(opened.error());
  DockerClient& docker = **opened;
  std::string name = context.Str("volume_name");
  auto existing = docker.Inspect(VolumePath(name));
  if (!existing) return std::unexpected(existing.error());
  Json actions = Json::array();
  std::string recreate = context.Str("recreate", "never");
  std::vector<std::string> differences;
  if (*existing) differences = Differences(context, **existing);
  bool remove = *existing && (context.Str("state") == "absent" || recreate == "always" ||
                              (recreate == "options-changed" && !differences.empty()));
  if (remove) {
    actions.push_back(fmt::format("Removed volume {}", name));
    if (!context.check) {
      auto removed = docker.Call("DELETE", VolumePath(name));
      if (!removed) return std::unexpected(removed.error());
    }
  }
  if (context.Str("state") == "absent") return Json{{"changed", remove}, {"actions", actions}};
  if (!*existing || remove) {
    actions.push_back(fmt::format("Created volume {} with driver {}", name, context.Str("driver")));
    if (!context.check) {
      auto created = docker.Call("POST", "/volumes/create", CreateBody(context));
      if (!created) return std::unexpected(created.error());
    }
  }
  Json volume = *existing ? **existing : Json::object();
  if (!context.check && !actions.empty()) {
    auto found = docker.Inspect(VolumePath(name));
    if (!found) return std::unexpected(found.error());
    volume = found->value_or(Json::object());
  }
  Json result{{"changed", !actions.empty()}, {"actions", actions}, {"volume", volume}};
  if (context.diff && !differences.empty()) result["diff"] = {{"differences", differences}};
  return result;
}

}  // namespace tend
