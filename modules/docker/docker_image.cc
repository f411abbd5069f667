#include <fmt/format.h>

#include <algorithm>

#include "modules/framework/all.h"
#include "modules/host/docker_api.h"

namespace tend {
namespace {

std::string ImagePath(const std::string& reference) {
  return fmt::format("/images/{}/json", UrlEncode(reference));
}

// The images POST /images/load reports ("Loaded image: repo:tag"), or the
// daemon's error (it answers 200 and reports a bad tarball inside the JSON
// stream).
Expected<std::vector<std::string>> LoadedImages(const std::string& body) {
  std::vector<std::string> loaded;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    std::string line = body.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? body.size() : end + 1;
    Json message = Json::parse(line, nullptr, false);
    if (message.is_discarded() || !message.is_object()) continue;
    if (message.contains("error")) return Fail(message["error"].get<std::string>());
    std::string text = message.value("stream", "");
    for (const std::string prefix : {"Loaded image: ", "Loaded image ID: "}) {
      if (text.starts_with(prefix)) {
        std::string name = text.substr(prefix.size());
        while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
        loaded.push_back(name);
      }
    }
  }
  return loaded;
}

std::string QuotedList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

Expected<void> Load(ModuleContext& context, DockerClient& docker, const std::string& reference) {
  std::string path = context.Str("load_path");
  Host& host = context.Machine();
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  if (info->kind != FileKind::kFile) {
    return Fail(fmt::format("Error loading image {}. Specified path {} does not exist.",
                            context.Str("name"), path));
  }
  // The tarball streams from disk to the socket; images are often GiBs.
  ContentSource source = [&host, path](const auto& emit) -> Expected<void> {
    Expected<void> status;
    auto read = host.ReadFileChunks(path, [&](std::string_view chunk) {
      if (status) status = emit(chunk);
    });
    if (!read) return read;
    return status;
  };
  auto response = docker.Stream("/images/load", "application/x-tar", source, info->size);
  if (!response) {
    return Fail(fmt::format("Error loading image {} from {}: {}", reference, path,
                            response.error().message));
  }
  auto loaded = LoadedImages(response->body);
  if (!loaded) {
    return Fail(fmt::format("Error loading image {} from {}: {}", reference, path,
                            loaded.error().message));
  }
  if (loaded->empty()) return Fail("Detected no loaded images. Archive potentially corrupt?");
  if (std::find(loaded->begin(), loaded->end(), reference) == loaded->end()) {
    return Fail(fmt::format("The archive did not contain image '{}'. Instead, found {}.", reference,
                            QuotedList(*loaded)));
  }
  return {};
}

Expected<void> Pull(DockerClient& docker, const std::string& name, const std::string& tag) {
  auto pulled = docker.Call(
      "POST", fmt::format("/images/create?fromImage={}&tag={}", UrlEncode(name), UrlEncode(tag)));
  if (!pulled) return Fail(fmt::format("Error pulling image {}:{} - {}", name, tag, pulled.error().message));
  return {};
}

Expected<std::string> Provide(ModuleContext& context, DockerClient& docker,
                              const std::string& name, const std::string& tag) {
  std::string reference = name + ":" + tag;
  std::string source = context.Str("source");
  if (source == "load") {
    if (!context.check) {
      auto loaded = Load(context, docker, reference);
      if (!loaded) return std::unexpected(loaded.error());
    }
    return fmt::format("Loaded image {} from {}", reference, context.Str("load_path"));
  }
  if (source == "pull") {
    if (!context.check) {
      auto pulled = Pull(docker, name, tag);
      if (!pulled) return std::unexpected(pulled.error());
    }
    return fmt::format("Pulled image {}", reference);
  }
  if (source == "local") return Fail(fmt::format("Cannot find the image {} locally.", reference));
  return Fail(fmt::format("source {} is not supported by tend's docker_image (use load, pull or local)",
                          source));
}

Expected<Json> Present(ModuleContext& context, DockerClient& docker, const std::string& name,
                       const std::string& tag, const std::optional<Json>& existing) {
  std::string reference = name + ":" + tag;
  Json actions = Json::array();
  if (!existing || context.Bool("force_source")) {
    auto action = Provide(context, docker, name, tag);
    if (!action) return std::unexpected(action.error());
    actions.push_back(*action);
  }
  Json image = existing ? *existing : Json::object();
  if (!context.check && !actions.empty()) {
    auto found = docker.Inspect(ImagePath(reference));
    if (!found) return std::unexpected(found.error());
    if (!*found) {
      return Fail(fmt::format("The image {} was not found in {} (the source did not provide it)",
                              reference, context.Str("load_path", context.Str("source"))));
    }
    // A reload or pull that yields the image already there changes nothing
    // (the actions still say what was done, as in community.docker).
    if (existing && (**found).value("Id", "") == existing->value("Id", "")) {
      return Json{{"changed", false}, {"actions", actions}, {"image", **found}};
    }
    image = **found;
  }
  return Json{{"changed", !actions.empty()}, {"actions", actions}, {"image", image}};
}

Expected<Json> Absent(ModuleContext& context, DockerClient& docker, const std::string& reference,
                      const std::optional<Json>& existing) {
  Json actions = Json::array();
  if (existing) {
    actions.push_back(fmt::format("Removed image {}", reference));
    if (!context.check) {
      std::string target = fmt::format("/images/{}?force={}", UrlEncode(reference),
                                       context.Bool("force_absent") ? 1 : 0);
      auto removed = docker.Call("DELETE", target);
      if (!removed) return std::unexpected(removed.error());
    }
  }
  return Json{{"changed", !actions.empty()}, {"actions", actions}, {"image", Json::object()}};
}

}  // namespace

const ModuleSpec& DockerImageSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "docker_image",
        .short_description = "Manage docker images",
        .args = {{.name = "name", .type = ArgType::kStr, .required = true},
                 {.name = "tag", .type = ArgType::kStr, .default_value = "latest"},
                 {.name = "source", .type = ArgType::kStr, .choices = {"build", "load", "pull", "local"}},
                 {.name = "load_path", .type = ArgType::kPath},
                 {.name = "force_source", .type = ArgType::kBool, .default_value = false},
                 {.name = "force_absent", .type = ArgType::kBool, .default_value = false},
                 {.name = "force_tag", .type = ArgType::kBool, .default_value = false},
                 {.name = "state", .type = ArgType::kStr, .default_value = "present",
                  .choices = {"absent", "present"}}},
        .required_if = {{.arg = "state", .value = "present", .required = {"source"}},
                        {.arg = "source", .value = "load", .required = {"load_path"}}},
        .returns = {"image", "actions"},
    };
    for (auto& arg : DockerCommonArgs()) s.args.push_back(std::move(arg));
    return s;
  }();
  return spec;
}

Expected<Json> RunDockerImage(ModuleContext& context) {
  auto docker = OpenDocker(context);
  if (!docker) return std::unexpected(docker.error());
  // "name:tag" in name wins over tag, as in community.docker.
  auto [name, tag] = SplitImageReference(context.Str("name"));
  if (tag.empty()) tag = context.Str("tag", "latest");
  std::string reference = name + ":" + tag;
  auto existing = (*docker)->Inspect(ImagePath(reference));
  if (!existing) return std::unexpected(existing.error());
  if (context.Str("state") == "absent") return Absent(context, **docker, reference, *existing);
  return Present(context, **docker, name, tag, *existing);
}

}  // namespace tend
