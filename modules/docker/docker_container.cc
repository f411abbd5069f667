#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/host/docker_api.h"
#include "modules/docker/docker_container_config.h"

namespace tend {
namespace {

std::string Path(const std::string& id, const std::string& action) {
  return fmt::format("/containers/{}/{}", UrlEncode(id), action);
}

// `pull` as community.docker reads it: true = always, false = missing.
std::string PullMode(const Json& pull) {
  if (pull.is_boolean()) return pull.get<bool>() ? "always" : "missing";
  std::string mode = pull.is_string() ? pull.get<std::string>() : "missing";
  if (auto flag = ParseBool(mode)) return *flag ? "always" : "missing";
  return mode;
}

// One run of the module: the client, the arguments and what was done.
struct ContainerRun {
  ModuleContext& context;
  DockerClient& docker;
  Json actions = Json::array();
  std::string output;
  Json status = nullptr;

  bool Check() const { return context.check; }
  std::string Name() const { return context.Str("name"); }

  Expected<std::optional<Json>> InspectContainer() {
    return docker.Inspect(Path(Name(), "json"));
  }

  Expected<std::optional<Json>> EnsureImage(const std::string& image) {
    std::string target = fmt::format("/images/{}/json", UrlEncode(image));
    auto found = docker.Inspect(target);
    if (!found) return found;
    std::string pull = PullMode(context.args["pull"]);
    if (*found && pull != "always") return found;
    if (!*found && pull == "never") return Fail(fmt::format("Cannot find image {} locally (pull=never)", image));
    actions.push_back({{"pulled_image", image}});
    if (Check()) return found;
    auto [repository, tag] = SplitImageReference(image);
    auto pulled = docker.Call("POST", fmt::format("/images/create?fromImage={}&tag={}",
                                                  UrlEncode(repository), UrlEncode(tag)));
    if (!pulled) {
      return Fail(fmt::format("Error pulling image {}: {}", image, pulled.error().message));
    }
    found = docker.Inspect(target);
    if (found && !*found) return Fail(fmt::format("Cannot find image {} after pulling it", image));
    return found;
  }

  Expected<void> Remove(Json container) {
    std::string id = container["Id"].get<std::string>();
    actions.push_back({{"removed", id}});
    if (Check()) return {};
    if (container["State"].value("Running", false)) {
      auto stopped = Stop(id);
      if (!stopped) return stopped;
    }
    bool volumes = !context.Bool("keep_volumes", true);
    auto removed = docker.Call("DELETE", fmt::format("/containers/{}?force=1&v={}",
                                                     UrlEncode(id), volumes ? 1 : 0));
    if (!removed) return std::unexpected(removed.error());
    return {};
  }

  Expected<void> Stop(const std::string& id) {
    std::string target = Path(id, "stop");
    if (context.Has("stop_timeout")) target += fmt::format("?t={}", context.Int("stop_timeout"));
    auto stopped = docker.Call("POST", target);
    if (!stopped) return std::unexpected(stopped.error());
    return {};
  }

  Expected<std::string> Create(const Json& args, const std::vector<std::string>& env) {
    auto body = ContainerCreateBody(args, env);
    if (!body) return std::unexpected(body.error());
    actions.push_back({{"created", "Created container"}});
    if (Check()) return std::string();
    auto created = docker.Call("POST", "/containers/create?name=" + UrlEncode(Name()), *body);
    if (!created) return std::unexpected(created.error());
    std::string id = created->value("Id", "");
    // The first network came with the create request; the others attach now.
    if (args.contains("networks") && args["networks"].is_array()) {
      for (size_t i = 1; i < args["networks"].size(); ++i) {
        auto connected = Connect(id, args["networks"][i]);
        if (!connected) return std::unexpected(connected.error());
      }
    }
    return id;
  }

  Expected<void> Connect(const std::string& id, const Json& network) {
    std::string name = network.value("name", "");
    actions.push_back({{"added_to_network", name}});
    if (Check()) return {};
    Json endpoint = Json::object();
    if (network.contains("aliases")) endpoint["Aliases"] = network["aliases"];
    auto done = docker.Call("POST", fmt::format("/networks/{}/connect", UrlEncode(name)),
                            {{"Container", id}, {"EndpointConfig", endpoint}});
    if (!done) return std::unexpected(done.error());
    return {};
  }

  Expected<void> Start(const std::string& id) {
    actions.push_back({{"started", id}});
    if (Check()) return {};
    auto started = docker.Call("POST", Path(id, "start"));
    if (!started) return std::unexpected(started.error());
    if (context.Bool("detach", true)) return {};
    // detach=false: wait for the command to finish and return its output.
    auto waited = docker.Call("POST", Path(id, "wait"));
    if (!waited) return std::unexpected(waited.error());
    status = waited->value("StatusCode", 0);
    auto logs = docker.Fetch(Path(id, "logs") + "?stdout=1&stderr=1");
    if (!logs) return std::unexpected(logs.error());
    auto [out, err] = DemuxDockerStream(*logs);
    output = out + err;
    return {};
  }
};

Expected<std::vector<std::string>> EnvOf(ModuleContext& context) {
  std::string env_file_text;
  if (context.Has("env_file")) {
    auto text = context.Machine().ReadFile(context.Str("env_file"));
    if (!text) return Fail(fmt::format("env_file: {}", text.error().message));
    env_file_text = *text;
  }
  return DesiredEnv(context.args, env_file_text);
}

Json DiffOf(const std::vector<Difference>& differences) {
  Json before = Json::object(), after = Json::object();
  for (const auto& d : differences) {
    before[d.parameter] = d.container;
    after[d.parameter] = d.desired;
  }
  return {{"before", before}, {"after", after}};
}

Expected<Json> Present(ContainerRun& run, std::optional<Json> existing) {
  ModuleContext& context = run.context;
  Json args = context.args;
  if (!context.Has("image") && !existing) {
    return Fail(fmt::format("Cannot create container when image is not specified!"));
  }
  std::optional<Json> image;
  if (context.Has("image")) {
    args["image"] = NormalizeImageName(context.Str("image"));
    auto found = run.EnsureImage(args["image"]);
    if (!found) return std::unexpected(found.error());
    image = *found;
  }
  auto env = EnvOf(context);
  if (!env) return std::unexpected(env.error());
  std::vector<Difference> differences;
  if (existing && image) {
    auto found = ContainerDifferences(args, *env, *existing, *image);
    if (!found) return std::unexpected(found.error());
    differences = std::move(*found);
  } else if (existing && !image) {
    args.erase("image");
  }
  std::string id = existing ? (*existing)["Id"].get<std::string>() : "";
  bool running = existing && (*existing)["State"].value("Running", false);
  bool recreate = existing && (context.Bool("recreate") || !differences.empty());
  if (recreate) {
    auto removed = run.Remove(*existing);
    if (!removed) return std::unexpected(removed.error());
    running = false;
  }
  bool created = !existing || recreate;
  if (created) {
    if (!args.contains("image") || args["image"].is_null()) args["image"] = (*existing)["Config"]["Image"];
    auto made = run.Create(args, *env);
    if (!made) return std::unexpected(made.error());
    id = *made;
  } else {
    for (const auto& name : MissingNetworks(args, *existing)) {
      auto connected = run.Connect(id, {{"name", name}});
      if (!connected) return std::unexpected(connected.error());
    }
  }
  std::string state = context.Str("state", "started");
  if (state == "started" && !running) {
    auto started = run.Start(id);
    if (!started) return std::unexpected(started.error());
  } else if (state == "started" && context.Bool("restart")) {
    run.actions.push_back({{"restarted", id}});
    if (!run.Check()) {
      auto restarted = run.docker.Call("POST", Path(id, "restart"));
      if (!restarted) return std::unexpected(restarted.error());
    }
  } else if (state == "stopped" && running) {
    run.actions.push_back({{"stopped", id}});
    if (!run.Check()) {
      auto stopped = run.Stop(id);
      if (!stopped) return std::unexpected(stopped.error());
    }
  }
  Json result{{"changed", !run.actions.empty()}};
  if (context.diff && !differences.empty()) result["diff"] = DiffOf(differences);
  result["id"] = id;
  return result;
}

// detach=false: the finished container's output, and with `cleanup` the
// container removed again (as `docker run --rm`).
Expected<void> CollectOutput(ContainerRun& run, const std::string& id, Json& container) {
  if (run.status.is_null()) return {};
  container["Output"] = run.output;
  if (!run.context.Bool("cleanup")) return {};
  auto removed = run.docker.Call("DELETE", fmt::format("/containers/{}?force=1", UrlEncode(id)));
  if (!removed) return std::unexpected(removed.error());
  return {};
}

}  // namespace

const ModuleSpec& DockerContainerSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "docker_container",
        .short_description = "Manage Docker containers",
        .args = {{.name = "name", .type = ArgType::kStr, .required = true},
                 {.name = "image", .type = ArgType::kStr},
                 {.name = "state",
                  .type = ArgType::kStr,
                  .default_value = "started",
                  .choices = {"absent", "present", "stopped", "started"}},
                 {.name = "command", .type = ArgType::kRaw},
                 {.name = "entrypoint", .type = ArgType::kList},
                 {.name = "env", .type = ArgType::kDict},
                 {.name = "env_file", .type = ArgType::kPath},
                 {.name = "published_ports", .type = ArgType::kList, .aliases = {"ports"}},
                 {.name = "volumes", .type = ArgType::kList},
                 {.name = "restart_policy",
                  .type = ArgType::kStr,
                  .choices = {"no", "on-failure", "always", "unless-stopped"}},
                 {.name = "restart_retries", .type = ArgType::kInt},
                 {.name = "networks", .type = ArgType::kList, .elements = ArgType::kDict},
                 {.name = "network_mode", .type = ArgType::kStr},
                 {.name = "labels", .type = ArgType::kDict},
                 {.name = "user", .type = ArgType::kStr},
                 {.name = "working_dir", .type = ArgType::kStr},
                 {.name = "hostname", .type = ArgType::kStr},
                 {.name = "privileged", .type = ArgType::kBool},
                 {.name = "recreate", .type = ArgType::kBool, .default_value = false},
                 {.name = "restart", .type = ArgType::kBool, .default_value = false},
                 // true/false as well as always/missing/never (newer community.docker).
                 {.name = "pull", .type = ArgType::kRaw, .default_value = "missing"},
                 {.name = "detach", .type = ArgType::kBool, .default_value = true},
                 {.name = "cleanup", .type = ArgType::kBool, .default_value = false},
                 {.name = "keep_volumes", .type = ArgType::kBool, .default_value = true},
                 {.name = "stop_timeout", .type = ArgType::kInt},
                 {.name = "comparisons", .type = ArgType::kDict}},
        .supports_diff = true,
        .returns = {"container", "status", "actions"},
    };
    for (auto& arg : DockerCommonArgs()) s.args.push_back(std::move(arg));
    return s;
  }();
  return spec;
}

Expected<Json> RunDockerContainer(ModuleContext& context) {
  auto docker = OpenDocker(context);
  if (!docker) return std::unexpected(docker.error());
  ContainerRun run{.context = context, .docker = **docker, .actions = Json::array(), .output = {}, .status = nullptr};
  auto existing = run.InspectContainer();
  if (!existing) return std::unexpected(existing.error());
  Json result{{"changed", false}};
  std::string id;
  if (context.Str("state") == "absent") {
    if (*existing) {
      auto removed = run.Remove(**existing);
      if (!removed) return std::unexpected(removed.error());
    }
  } else {
    auto present = Present(run, *existing);
    if (!present) return std::unexpected(present.error());
    result = std::move(*present);
    id = result["id"].get<std::string>();
    result.erase("id");
  }
  result["changed"] = !run.actions.empty();
  Json container = Json::object();
  if (!context.check && !id.empty()) {
    auto inspected = run.docker.Inspect(Path(id, "json"));
    if (!inspected) return std::unexpected(inspected.error());
    if (*inspected) container = **inspected;
  } else if (context.check && *existing && context.Str("state") != "absent") {
    container = **existing;
  }
  auto output = CollectOutput(run, id, container);
  if (!output) return std::unexpected(output.error());
  result["container"] = container;
  if (!run.status.is_null()) result["status"] = run.status;
  if (context.check || context.Bool("debug")) result["actions"] = run.actions;
  return result;
}

}  // namespace tend
