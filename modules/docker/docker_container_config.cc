#include "modules/docker/docker_container_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>

#include "modules/framework/all.h"
#include "modules/host/docker_api.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

std::vector<std::string> SplitString(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t pos; (pos = text.find(separator, start)) != std::string::npos; start = pos + 1) {
    parts.push_back(text.substr(start, pos - start));
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool Given(const Json& args, const char* name) {
  return args.contains(name) && !args[name].is_null();
}

// community.docker's comparison modes: lists and plain values compare
// strictly, sets and dicts allow the container to have more by default.
std::string ComparisonFor(const Json& args, const std::string& option, const char* fallback) {
  if (!Given(args, "comparisons")) return fallback;
  const Json& c = args["comparisons"];
  if (c.contains(option) && c[option].is_string()) return c[option].get<std::string>();
  if (c.contains("*") && c["*"].is_string()) return c["*"].get<std::string>();
  return fallback;
}

Expected<std::vector<std::string>> StringList(const Json& value, const char* name, bool split) {
  std::vector<std::string> out;
  if (value.is_string()) {
    if (!split) return std::vector<std::string>{value.get<std::string>()};
    auto words = ShlexSplit(value.get<std::string>());
    if (!words) return Fail(fmt::format("{}: {}", name, words.error().message));
    return *words;
  }
  if (!value.is_array()) return Fail(fmt::format("{} must be a string or a list", name));
  for (const auto& item : value) out.push_back(item.is_string() ? item.get<std::string>() : item.dump());
  return out;
}

std::vector<std::string> JsonStrings(const Json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& item : value) {
      if (item.is_string()) out.push_back(item.get<std::string>());
    }
  }
  return out;
}

std::string EnvKey(const std::string& entry) { return entry.substr(0, entry.find('=')); }

// KEY=value entries keyed by KEY, later ones winning.
std::map<std::string, std::string> EnvMap(const std::vector<std::string>& entries) {
  std::map<std::string, std::string> out;
  for (const auto& e : entries) out[EnvKey(e)] = e;
  return out;
}

std::map<std::string, std::string> PortMap(const Json& port_bindings) {
  // "80/tcp" -> "ip:port" (one binding per container port is what users write).
  std::map<std::string, std::string> out;
  if (!port_bindings.is_object()) return out;
  for (const auto& [port, bindings] : port_bindings.items()) {
    if (!bindings.is_array() || bindings.empty()) continue;
    std::string ip = bindings[0].value("HostIp", "");
    if (ip == "0.0.0.0") ip.clear();
    out[port] = ip + ":" + bindings[0].value("HostPort", "");
  }
  return out;
}

Expected<std::map<std::string, std::string>> DesiredPorts(const Json& args) {
  std::map<std::string, std::string> out;
  for (const auto& item : args["published_ports"]) {
    auto port = ParsePublishedPort(item.is_string() ? item.get<std::string>() : item.dump());
    if (!port) return std::unexpected(port.error());
    out[port->container_port] = port->host_ip + ":" + port->host_port;
  }
  return out;
}

Json StringMapJson(const std::map<std::string, std::string>& m) {
  Json out = Json::object();
  for (const auto& [k, v] : m) out[k] = v;
  return out;
}

// A set or dict comparison: `allow_more_present` lets the container have
// entries the arguments do not name.
template <class Map>
bool MapsDiffer(const Map& container, const Map& desired, const std::string& mode) {
  if (mode == "ignore") return false;
  if (mode == "strict") return container != desired;
  for (const auto& [k, v] : desired) {
    auto it = container.find(k);
    if (it == container.end() || it->second != v) return true;
  }
  return false;
}

Expected<std::vector<std::string>> DesiredBinds(const Json& args, std::set<std::string>* anonymous) {
  std::vector<std::string> binds;
  for (const auto& item : args["volumes"]) {
    auto volume = ParseVolume(item.get<std::string>());
    if (!volume) return std::unexpected(volume.error());
    if (volume->bind.empty()) {
      anonymous->insert(volume->anonymous_path);
    } else {
      binds.push_back(volume->bind);
    }
  }
  return binds;
}

std::map<std::string, std::string> BindMap(const std::vector<std::string>& binds) {
  // Keyed by container path; a bind without a mode is read-write.
  std::map<std::string, std::string> out;
  for (const auto& b : binds) {
    auto normalized = ParseVolume(b);
    std::string bind = normalized && !normalized->bind.empty() ? normalized->bind : b;
    auto parts = SplitString(bind, ':');
    out[parts.size() > 1 ? parts[1] : bind] = bind;
  }
  return out;
}

std::string RestartName(Json& container) {
  std::string name = container["HostConfig"]["RestartPolicy"].value("Name", "");
  return name.empty() ? "no" : name;
}

struct Comparer {
  const Json& args;
  const Json& container;
  std::vector<Difference>& out;

  void Value(const char* option, const Json& have, const Json& want) {
    if (!Given(args, option) || ComparisonFor(args, option, "strict") == "ignore") return;
    if (have != want) out.push_back({option, have, want});
  }
};

Expected<void> CompareCollections(const Json& args, const std::vector<std::string>& env,
                                  Json& container, Json& image, std::vector<Difference>& out) {
  Json& config = container["Config"];
  if (Given(args, "env") || Given(args, "env_file")) {
    auto want = EnvMap(JsonStrings(image["Config"]["Env"]));
    for (const auto& [k, v] : EnvMap(env)) want[k] = v;
    auto have = EnvMap(JsonStrings(config["Env"]));
    if (MapsDiffer(have, want, ComparisonFor(args, "env", "allow_more_present"))) {
      out.push_back({"env", config["Env"], Json(env)});
    }
  }
  if (Given(args, "labels")) {
    std::map<std::string, std::string> want, have;
    Json image_labels = image["Config"].value("Labels", Json::object());
    if (image_labels.is_object()) {
      for (const auto& [k, v] : image_labels.items()) want[k] = v;
    }
    for (const auto& [k, v] : args["labels"].items()) want[k] = v.is_string() ? v.get<std::string>() : v.dump();
    if (config["Labels"].is_object()) {
      for (const auto& [k, v] : config["Labels"].items()) have[k] = v.get<std::string>();
    }
    if (MapsDiffer(have, want, ComparisonFor(args, "labels", "allow_more_present"))) {
      out.push_back({"labels", config["Labels"], args["labels"]});
    }
  }
  if (Given(args, "published_ports")) {
    auto want = DesiredPorts(args);
    if (!want) return std::unexpected(want.error());
    auto have = PortMap(container["HostConfig"]["PortBindings"]);
    if (MapsDiffer(have, *want, ComparisonFor(args, "published_ports", "allow_more_present"))) {
      out.push_back({"published_ports", StringMapJson(have), StringMapJson(*want)});
    }
  }
  if (Given(args, "volumes")) {
    std::set<std::string> anonymous;
    auto binds = DesiredBinds(args, &anonymous);
    if (!binds) return std::unexpected(binds.error());
    auto want = BindMap(*binds);
    auto have = BindMap(JsonStrings(container["HostConfig"]["Binds"]));
    for (const auto& path : anonymous) want[path] = path;
    if (config["Volumes"].is_object()) {
      for (const auto& [path, unused] : config["Volumes"].items()) {
        if (!have.contains(path)) have[path] = path;
      }
    }
    if (MapsDiffer(have, want, ComparisonFor(args, "volumes", "allow_more_present"))) {
      out.push_back({"volumes", StringMapJson(have), StringMapJson(want)});
    }
  }
  return {};
}

}  // namespace

std::string NormalizeImageName(const std::string& image) {
  auto [repository, tag] = SplitImageReference(image);
  if (!tag.empty() || image.find('@') != std::string::npos) return image;
  return image + ":latest";
}

Expected<PortBinding> ParsePublishedPort(const std::string& spec) {
  PortBinding port;
  std::string rest = spec;
  if (rest.starts_with("[")) {
    size_t close = rest.find("]:");
    if (close == std::string::npos) return Fail(fmt::format("Invalid published port '{}'", spec));
    port.host_ip = rest.substr(1, close - 1);
    rest = rest.substr(close + 2);
  }
  auto parts = SplitString(rest, ':');
  if (parts.empty() || parts.size() > 3 || (port.host_ip.size() && parts.size() > 2)) {
    return Fail(fmt::format("Invalid published port '{}'", spec));
  }
  std::string container = parts.back();
  if (parts.size() == 3) port.host_ip = parts[0];
  if (parts.size() >= 2) port.host_port = parts[parts.size() - 2];
  std::string protocol = "tcp";
  if (size_t slash = container.find('/'); slash != std::string::npos) {
    protocol = container.substr(slash + 1);
    container = container.substr(0, slash);
  }
  auto numeric = [](const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
  };
  if (!numeric(container) || (!port.host_port.empty() && !numeric(port.host_port))) {
    return Fail(fmt::format(
        "Invalid published port '{}': ports must be numbers (port ranges are not supported)", spec));
  }
  if (protocol != "tcp" && protocol != "udp" && protocol != "sctp") {
    return Fail(fmt::format("Invalid published port '{}': unknown protocol '{}'", spec, protocol));
  }
  port.container_port = container + "/" + protocol;
  return port;
}

Expected<VolumeSpec> ParseVolume(const std::string& spec) {
  auto parts = SplitString(spec, ':');
  if (parts.size() == 1) {
    if (!spec.starts_with("/")) return Fail(fmt::format("Invalid volume '{}'", spec));
    return VolumeSpec{.bind = "", .anonymous_path = spec};
  }
  if (parts.size() > 3 || parts[0].empty() || !parts[1].starts_with("/")) {
    return Fail(fmt::format("Invalid volume '{}': expected host:container[:mode]", spec));
  }
  std::string mode = parts.size() == 3 ? parts[2] : "rw";
  return VolumeSpec{.bind = parts[0] + ":" + parts[1] + ":" + mode, .anonymous_path = ""};
}

Expected<std::vector<std::string>> DesiredEnv(const Json& args, const std::string& env_file_text) {
  std::vector<std::string> entries;
  for (const auto& line : SplitString(env_file_text, '\n')) {
    std::string trimmed(StripTrailingNewlines(line));
    if (!trimmed.empty() && trimmed.back() == '\r') trimmed.pop_back();
    if (trimmed.empty() || trimmed.starts_with("#")) continue;
    if (trimmed.find('=') == std::string::npos) {
      return Fail(fmt::format("env_file: line '{}' is not KEY=value", trimmed));
    }
    entries.push_back(trimmed);
  }
  if (Given(args, "env")) {
    if (!args["env"].is_object()) return Fail("env must be a dictionary of KEY: value");
    for (const auto& [key, value] : args["env"].items()) {
      if (value.is_boolean()) {
        return Fail(fmt::format(
            "Non-string value found for env option. Ambiguous env options must be wrapped in "
            "quotes to avoid them being interpreted. Key: {}",
            key));
      }
      entries.push_back(key + "=" + (value.is_string() ? value.get<std::string>() : value.dump()));
    }
  }
  std::vector<std::string> merged;
  for (const auto& [key, entry] : EnvMap(entries)) merged.push_back(entry);
  return merged;
}

Expected<Json> ContainerCreateBody(const Json& args, const std::vector<std::string>& env) {
  Json body{{"Image", args["image"]}};
  Json host_config = Json::object();
  if (Given(args, "command")) {
    auto command = StringList(args["command"], "command", true);
    if (!command) return std::unexpected(command.error());
    body["Cmd"] = *command;
  }
  if (Given(args, "entrypoint")) {
    auto entrypoint = StringList(args["entrypoint"], "entrypoint", false);
    if (!entrypoint) return std::unexpected(entrypoint.error());
    body["Entrypoint"] = *entrypoint;
  }
  if (!env.empty()) body["Env"] = env;
  if (Given(args, "labels")) {
    Json labels = Json::object();
    for (const auto& [k, v] : args["labels"].items()) labels[k] = v.is_string() ? v.get<std::string>() : v.dump();
    body["Labels"] = labels;
  }
  if (Given(args, "user")) body["User"] = args["user"];
  if (Given(args, "working_dir")) body["WorkingDir"] = args["working_dir"];
  if (Given(args, "hostname")) body["Hostname"] = args["hostname"];
  if (Given(args, "stop_timeout")) body["StopTimeout"] = args["stop_timeout"];
  if (Given(args, "published_ports")) {
    Json exposed = Json::object(), bindings = Json::object();
    for (const auto& item : args["published_ports"]) {
      auto port = ParsePublishedPort(item.is_string() ? item.get<std::string>() : item.dump());
      if (!port) return std::unexpected(port.error());
      exposed[port->container_port] = Json::object();
      bindings[port->container_port] =
          Json::array({{{"HostIp", port->host_ip}, {"HostPort", port->host_port}}});
    }
    body["ExposedPorts"] = exposed;
    host_config["PortBindings"] = bindings;
  }
  if (Given(args, "volumes")) {
    std::set<std::string> anonymous;
    auto binds = DesiredBinds(args, &anonymous);
    if (!binds) return std::unexpected(binds.error());
    if (!binds->empty()) host_config["Binds"] = *binds;
    if (!anonymous.empty()) {
      body["Volumes"] = Json::object();
      for (const auto& path : anonymous) body["Volumes"][path] = Json::object();
    }
  }
  if (Given(args, "restart_policy")) {
    host_config["RestartPolicy"] = {{"Name", args["restart_policy"]},
                                    {"MaximumRetryCount", args.value("restart_retries", 0)}};
  }
  if (Given(args, "privileged")) host_config["Privileged"] = args["privileged"];
  std::string network_mode = args.value("network_mode", "");
  if (network_mode.empty() && Given(args, "networks") && !args["networks"].empty()) {
    // networks_cli_compatible (the default): the first network replaces the
    // default bridge, as `docker run --network` does.
    network_mode = args["networks"][0].value("name", "");
    Json endpoint = Json::object();
    if (args["networks"][0].contains("aliases")) endpoint["Aliases"] = args["networks"][0]["aliases"];
    body["NetworkingConfig"] = {{"EndpointsConfig", {{network_mode, endpoint}}}};
  }
  if (!network_mode.empty()) host_config["NetworkMode"] = network_mode;
  body["HostConfig"] = host_config;
  return body;
}

Expected<std::vector<Difference>> ContainerDifferences(const Json& args,
                                                       const std::vector<std::string>& env,
                                                       const Json& inspected, const Json& image_inspected) {
  // Copies: operator[] on a const document is undefined for a missing key,
  // and daemons of other versions may leave some out.
  Json container = inspected, image = image_inspected;
  std::vector<Difference> out;
  Json& config = container["Config"];
  Json& host_config = container["HostConfig"];
  Comparer compare{args, container, out};
  if (Given(args, "image") && ComparisonFor(args, "image", "strict") != "ignore" &&
      container.value("Image", "") != image.value("Id", "")) {
    out.push_back({"image", container.value("Image", ""), image.value("Id", "")});
  }
  if (Given(args, "command")) {
    auto want = StringList(args["command"], "command", true);
    if (!want) return std::unexpected(want.error());
    compare.Value("command", config["Cmd"].is_null() ? Json::array() : config["Cmd"], Json(*want));
  }
  if (Given(args, "entrypoint")) {
    auto want = StringList(args["entrypoint"], "entrypoint", false);
    if (!want) return std::unexpected(want.error());
    compare.Value("entrypoint", config["Entrypoint"].is_null() ? Json::array() : config["Entrypoint"],
                  Json(*want));
  }
  compare.Value("user", config.value("User", ""), args.value("user", ""));
  compare.Value("working_dir", config.value("WorkingDir", ""), args.value("working_dir", ""));
  compare.Value("hostname", config.value("Hostname", ""), args.value("hostname", ""));
  compare.Value("restart_policy", RestartName(container), args.value("restart_policy", ""));
  compare.Value("restart_retries", host_config["RestartPolicy"].value("MaximumRetryCount", 0),
                args.value("restart_retries", 0));
  compare.Value("privileged", host_config.value("Privileged", false), args.value("privileged", false));
  compare.Value("network_mode", host_config.value("NetworkMode", ""), args.value("network_mode", ""));
  auto collections = CompareCollections(args, env, container, image, out);
  if (!collections) return std::unexpected(collections.error());
  return out;
}

std::vector<std::string> MissingNetworks(const Json& args, const Json& inspected) {
  std::vector<std::string> missing;
  if (!Given(args, "networks")) return missing;
  Json container = inspected;
  const Json& attached = container["NetworkSettings"]["Networks"];
  for (const auto& network : args["networks"]) {
    std::string name = network.value("name", "");
    if (!attached.is_object() || !attached.contains(name)) missing.push_back(name);
  }
  return missing;
}

}  // namespace tend
