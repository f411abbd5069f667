#include "modules/testing/docker_fake.h"

#include <fmt/format.h>

namespace tend {
namespace {

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

DockerResponse Reply(int status, const Json& body = nullptr) {
  return {.status = status, .headers = {}, .body = body.is_null() ? "" : body.dump()};
}

DockerResponse Message(int status, const std::string& message) {
  return Reply(status, {{"message", message}});
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(UrlDecode(path.substr(start, slash - start)));
    start = slash + 1;
  }
  return out;
}

std::map<std::string, std::string> Query(const std::string& query) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string::npos) amp = query.size();
    std::string pair = query.substr(start, amp - start);
    size_t eq = pair.find('=');
    out[UrlDecode(pair.substr(0, eq))] = eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1));
    start = amp + 1;
  }
  return out;
}

// Image keys first, then the container's, which override by name (as dockerd merges).
Json MergeEnv(const Json& image_env, const Json& env) {
  std::vector<std::string> out;
  auto add = [&](const Json& list) {
    if (!list.is_array()) return;
    for (const auto& e : list) {
      std::string entry = e.get<std::string>();
      std::string key = entry.substr(0, entry.find('='));
      auto same = [&](const std::string& o) { return o.substr(0, o.find('=')) == key; };
      std::erase_if(out, same);
      out.push_back(entry);
    }
  };
  add(image_env);
  add(env);
  return out;
}

Json Or(const Json& body, const char* key, Json fallback) {
  return body.contains(key) && !body[key].is_null() ? body[key] : fallback;
}

}  // namespace

void AddFakeImage(FakeDockerState& state, const std::string& reference, Json config) {
  if (config.is_null()) {
    config = {{"Env", {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
              {"Cmd", nullptr},
              {"Entrypoint", nullptr},
              {"Labels", nullptr},
              {"WorkingDir", ""}};
  }
  std::string id = fmt::format("sha256:{:064x}", std::hash<std::string>{}(reference + config.dump()));
  state.images[reference] = {{"Id", id}, {"RepoTags", {reference}}, {"Config", config}};
}

std::string FakeDockerDaemon::NewId() {
  return fmt::format("{:064x}", state_.next_id++);
}

Json* FakeDockerDaemon::FindImage(const std::string& reference) {
  for (auto& [ref, image] : state_.images) {
    if (ref == reference || image["Id"] == reference) return &image;
  }
  return nullptr;
}

Json* FakeDockerDaemon::FindContainer(const std::string& name_or_id) {
  for (auto& [name, container] : state_.containers) {
    if (name == name_or_id || container["Id"] == name_or_id) return &container;
  }
  return nullptr;
}

Expected<DockerResponse> FakeDockerDaemon::Send(const DockerRequest& request) {
  std::string target = request.target;
  size_t question = target.find('?');
  std::string path = target.substr(0, question);
  auto query = Query(question == std::string::npos ? "" : target.substr(question + 1));
  std::string body = request.body;
  if (request.body_stream) {
    auto read = request.body_stream([&](std::string_view chunk) -> Expected<void> {
      body.append(chunk);
      return {};
    });
    if (!read) return std::unexpected(read.error());
  }
  if (request.method != "GET") state_.changes.push_back(request.method + " " + path);
  auto segments = Segments(path);
  if (segments.empty()) return Message(404, "page not found");
  if (segments[0] == "images") return Images(request.method, segments, query, body);
  Json json = body.empty() ? Json() : Json::parse(body, nullptr, false);
  if (segments[0] == "containers") return Containers(request.method, segments, query, json);
  if (segments[0] == "networks") return Networks(request.method, segments, json);
  if (segments[0] == "volumes") return Volumes(request.method, segments, json);
  return Message(404, "page not found");
}

DockerResponse FakeDockerDaemon::Images(const std::string& method,
                                      const std::vector<std::string>& path,
                                      const std::map<std::string, std::string>& query,
                                      const std::string& body) {
  // Image names may hold slashes: everything between /images/ and the verb.
  std::string reference;
  for (size_t i = 1; i + (method == "DELETE" ? 0 : 1) < path.size(); ++i) {
    reference += (reference.empty() ? "" : "/") + path[i];
  }
  if (method == "POST" && path.size() == 2 && path[1] == "load") {
    auto it = state_.tarballs.find(body);
    if (it == state_.tarballs.end()) {
      return Reply(200, {{"errorDetail", {{"message", "unexpected EOF"}}}, {"error", "unexpected EOF"}});
    }
    AddFakeImage(state_, it->second.first, it->second.second);
    return Reply(200, {{"stream", "Loaded image: " + it->second.first + "\n"}});
  }
  if (method == "POST" && path.size() == 2 && path[1] == "create") {
    std::string wanted = query.at("fromImage") + ":" + query.at("tag");
    if (!state_.registry.contains(wanted)) {
      return Message(404, "pull access denied for " + query.at("fromImage") +
                              ", repository does not exist or may require 'docker login'");
    }
    AddFakeImage(state_, wanted, state_.registry[wanted]);
    return Reply(200);
  }
  Json* image = FindImage(reference);
  if (!image) return Message(404, "No such image: " + reference);
  if (method == "GET") return Reply(200, *image);
  if (method == "DELETE") {
    state_.images.erase(reference);
    return Reply(200, Json::array({{{"Untagged", reference}}}));
  }
  return Message(404, "page not found");
}

DockerResponse FakeDockerDaemon::Containers(const std::string& method,
                                          const std::vector<std::string>& path,
                                          const std::map<std::string, std::string>& query,
                                          const Json& body) {
  if (method == "POST" && path.size() == 2 && path[1] == "create") {
    std::string name = query.contains("name") ? query.at("name") : NewId();
    if (state_.containers.contains(name)) {
      return Message(409, "Conflict. The container name \"/" + name + "\" is already in use");
    }
    Json* image = FindImage(body.value("Image", ""));
    if (!image) return Message(404, "No such image: " + body.value("Image", ""));
    Json ic = (*image)["Config"];
    std::string id = NewId();
    Json host = Or(body, "HostConfig", Json::object());
    std::string mode = host.value("NetworkMode", "default");
    Json config{{"Hostname", Or(body, "Hostname", id.substr(0, 12))},
                {"User", Or(body, "User", "")},
                {"Env", MergeEnv(ic["Env"], Or(body, "Env", nullptr))},
                {"Cmd", Or(body, "Cmd", body.contains("Entrypoint") ? Json() : ic["Cmd"])},
                {"Image", body["Image"]},
                {"Volumes", Or(body, "Volumes", nullptr)},
                {"WorkingDir", Or(body, "WorkingDir", ic.value("WorkingDir", ""))},
                {"Entrypoint", Or(body, "Entrypoint", ic["Entrypoint"])},
                {"Labels", Or(ic, "Labels", Json::object())}};
    if (body.contains("Labels")) config["Labels"].update(body["Labels"]);
    Json host_config{{"Binds", Or(host, "Binds", nullptr)},
                     {"NetworkMode", mode},
                     {"PortBindings", Or(host, "PortBindings", Json::object())},
                     {"RestartPolicy", Or(host, "RestartPolicy", {{"Name", "no"}, {"MaximumRetryCount", 0}})},
                     {"Privileged", host.value("Privileged", false)}};
    Json networks{{mode == "default" ? "bridge" : mode, {{"NetworkID", mode}}}};
    state_.containers[name] = {{"Id", id},
                               {"Name", "/" + name},
                               {"Image", (*image)["Id"]},
                               {"State", {{"Status", "created"}, {"Running", false}, {"ExitCode", 0}}},
                               {"Config", config},
                               {"HostConfig", host_config},
                               {"NetworkSettings", {{"Networks", networks}}}};
    return Reply(201, {{"Id", id}, {"Warnings", Json::array()}});
  }
  if (path.size() < 2) return Message(404, "page not found");
  Json* container = FindContainer(path[1]);
  if (!container) return Message(404, "No such container: " + path[1]);
  Json& state = (*container)["State"];
  std::string verb = path.size() > 2 ? path[2] : "";
  auto set_running = [&](bool running) {
    state["Running"] = running;
    state["Status"] = running ? "running" : "exited";
  };
  if (method == "GET" && verb == "json") return Reply(200, *container);
  if (method == "GET" && verb == "logs") {
    // Framed stdout: the arguments of an `echo` command, as a shell prints them.
    std::string text;
    const Json& cmd = (*container)["Config"]["Cmd"];
    if (cmd.is_array() && !cmd.empty() && cmd[0] == "echo") {
      for (size_t i = 1; i < cmd.size(); ++i) text += (i > 1 ? " " : "") + cmd[i].get<std::string>();
      text += "\n";
    }
    std::string frame{'\1', '\0', '\0', '\0'};
    for (int shift : {24, 16, 8, 0}) frame += static_cast<char>((text.size() >> shift) & 0xff);
    return {.status = 200, .headers = {}, .body = frame + text};
  }
  if (method == "POST" && (verb == "start" || verb == "restart")) {
    if (verb == "start" && state["Running"] == true) return Reply(304);
    set_running(true);
    return Reply(204);
  }
  if (method == "POST" && verb == "stop") {
    if (state["Running"] == false) return Reply(304);
    set_running(false);
    return Reply(204);
  }
  if (method == "POST" && verb == "wait") {
    set_running(false);
    return Reply(200, {{"StatusCode", 0}});
  }
  if (method == "DELETE" && verb.empty()) {
    if (state["Running"] == true && (!query.contains("force") || query.at("force") != "1")) {
      return Message(409, "You cannot remove a running container");
    }
    std::erase_if(state_.containers, [&](const auto& item) { return &item.second == container; });
    return Reply(204);
  }
  return Message(404, "page not found");
}

DockerResponse FakeDockerDaemon::Networks(const std::string& method,
                                        const std::vector<std::string>& path, const Json& body) {
  if (method == "POST" && path.size() == 2 && path[1] == "create") {
    std::string name = body.value("Name", "");
    if (state_.networks.contains(name)) return Message(409, "network with name " + name + " already exists");
    std::string id = NewId();
    Json ipam = Or(body, "IPAM", {{"Driver", "default"}});
    if (!ipam.contains("Config")) ipam["Config"] = Json::array({{{"Subnet", "172.18.0.0/16"}, {"Gateway", "172.18.0.1"}}});
    state_.networks[name] = {{"Name", name},
                             {"Id", id},
                             {"Driver", body.value("Driver", "bridge")},
                             {"IPAM", ipam},
                             {"Internal", body.value("Internal", false)},
                             {"Attachable", body.value("Attachable", false)},
                             {"EnableIPv6", body.value("EnableIPv6", false)},
                             {"Containers", Json::object()},
                             {"Options", Or(body, "Options", Json::object())},
                             {"Labels", Or(body, "Labels", Json::object())}};
    return Reply(201, {{"Id", id}});
  }
  if (path.size() < 2) return Message(404, "page not found");
  auto it = std::find_if(state_.networks.begin(), state_.networks.end(), [&](const auto& item) {
    return item.first == path[1] || item.second["Id"] == path[1];
  });
  if (it == state_.networks.end()) return Message(404, "network " + path[1] + " not found");
  std::string verb = path.size() > 2 ? path[2] : "";
  if (method == "GET") return Reply(200, it->second);
  if (method == "DELETE") {
    if (!it->second["Containers"].empty()) {
      return Message(403, "error while removing network: network " + it->first + " has active endpoints");
    }
    state_.networks.erase(it);
    return Reply(204);
  }
  if (method == "POST" && (verb == "connect" || verb == "disconnect")) {
    Json* container = FindContainer(body.value("Container", ""));
    if (!container) return Message(404, "No such container: " + body.value("Container", ""));
    std::string id = (*container)["Id"];
    if (verb == "connect") {
      (*container)["NetworkSettings"]["Networks"][it->first] = {{"NetworkID", it->second["Id"]}};
      it->second["Containers"][id] = {{"Name", (*container)["Name"]}};
    } else {
      (*container)["NetworkSettings"]["Networks"].erase(it->first);
      it->second["Containers"].erase(id);
    }
    return Reply(200);
  }
  return Message(404, "page not found");
}

DockerResponse FakeDockerDaemon::Volumes(const std::string& method,
                                       const std::vector<std::string>& path, const Json& body) {
  if (method == "POST" && path.size() == 2 && path[1] == "create") {
    std::string name = body.value("Name", "");
    if (!state_.volumes.contains(name)) {
      state_.volumes[name] = {{"Name", name},
                              {"Driver", body.value("Driver", "local")},
                              {"Mountpoint", "/var/lib/docker/volumes/" + name + "/_data"},
                              {"Labels", Or(body, "Labels", nullptr)},
                              {"Options", Or(body, "DriverOpts", nullptr)},
                              {"Scope", "local"}};
    }
    return Reply(201, state_.volumes[name]);
  }
  if (path.size() < 2 || !state_.volumes.contains(path[1])) {
    return Message(404, "get " + (path.size() > 1 ? path[1] : "") + ": no such volume");
  }
  if (method == "GET") return Reply(200, state_.volumes[path[1]]);
  if (method == "DELETE") {
    state_.volumes.erase(path[1]);
    return Reply(204);
  }
  return Message(404, "page not found");
}

DockerConnector FakeDockerConnector(FakeDockerState& state) {
  return [&state](const std::string&, const std::string&, int) {
    return std::make_unique<FakeDockerDaemon>(state);
  };
}

FakeDockerScope::FakeDockerScope(FakeDockerState& state) : scope_(FakeDockerConnector(state)) {}

}  // namespace tend
