#include "modules/python/ansible_module.h"

#include <fmt/format.h>
#include <unistd.h>

#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/python/module_output.h"

namespace tend {
namespace {

bool IsExecutableFile(Host& host, const std::string& path) {
  auto info = host.Stat(path);
  return info && info->kind == FileKind::kFile && (info->mode & 0111) != 0;
}

Expected<void> MakeDirectories(Host& host, const std::string& path, uint32_t mode) {
  std::string at;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    at = path.substr(0, pos);
    auto info = host.Stat(at);
    if (!info) return std::unexpected(info.error());
    if (info->exists()) continue;
    if (auto made = host.MakeDirectory(at, mode); !made) return made;
  }
  return {};
}

// The cached payload, fetched from the controller when missing or damaged.
Expected<std::string> EnsurePayload(ModuleContext& context, const std::string& sha256) {
  Host& host = context.Machine();
  if (sha256.size() != 64 || sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Fail(fmt::format("bad payload checksum '{}'", sha256));
  }
  std::string dir = PayloadCacheDir(host);
  std::string path = fmt::format("{}/{}.zip", dir, sha256);
  auto have = host.FileChecksum(path, HashAlgorithm::kSha256);
  if (have && *have == sha256) return path;
  if (!context.fetch_content) return Fail("no controller is attached to send the module's code");
  if (auto made = MakeDirectories(host, dir, 0700); !made) {
    // A become user whose HOME is missing or not its own (nobody's
    // /nonexistent): a private directory in /tmp instead.
    dir = fmt::format("/tmp/tend-python-{}", host.EffectiveUid());
    path = fmt::format("{}/{}.zip", dir, sha256);
    have = host.FileChecksum(path, HashAlgorithm::kSha256);
    if (have && *have == sha256) return path;
    if (auto again = MakeDirectories(host, dir, 0700); !again) return std::unexpected(made.error());
  }
  auto written = host.WriteFileAtomic(path, context.fetch_content(), FileAttrs{.mode = 0600});
  if (!written) return std::unexpected(written.error());
  auto check = host.FileChecksum(path, HashAlgorithm::kSha256);
  if (!check || *check != sha256) {
    (void)host.Remove(path);
    return Fail(fmt::format("the module's code arrived corrupted in {}", dir));
  }
  return path;
}

std::string ExpandHome(Host& host, const std::string& path) {
  if (path != "~" && !path.starts_with("~/")) return path;
  return host.GetEnv("HOME").value_or("/tmp") + path.substr(1);
}

// Ansible's per-task remote tmp dir (ansible-tmp-...), made before the module
// runs and removed after, so the module sees `_ansible_tmpdir` as it would
// without pipelining and never warns about creating remote_tmp itself.
Expected<std::string> MakeTaskTmpdir(Host& host, const Json& module_args) {
  std::string base = "~/.ansible/tmp";
  auto it = module_args.find("_ansible_remote_tmp");
  if (it != module_args.end() && it->is_string()) base = it->get<std::string>();
  base = ExpandHome(host, base);
  if (auto made = MakeDirectories(host, base, 0700); !made) return std::unexpected(made.error());
  int64_t now = host.NowMicros();
  std::string dir = fmt::format("{}/ansible-tmp-{}.{:06}-{}-{}", base, now / 1000000, now % 1000000,
                                ::getpid(), now % 1000003);
  if (auto made = host.MakeDirectory(dir, 0700); !made) return std::unexpected(made.error());
  return dir;
}

std::vector<std::string> StringList(const Json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const auto& v : value) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

std::optional<std::string> FindInterpreter(Host& host, const std::vector<std::string>& candidates,
                                           std::string_view path) {
  for (const auto& candidate : candidates) {
    if (candidate.find('/') != std::string::npos) {
      if (IsExecutableFile(host, candidate)) return candidate;
      continue;
    }
    std::string_view rest = path;
    while (!rest.empty()) {
      size_t end = rest.find(':');
      std::string dir(rest.substr(0, end));
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
      if (dir.empty()) continue;
      std::string full = dir + "/" + candidate;
      if (IsExecutableFile(host, full)) return full;
    }
  }
  return std::nullopt;
}

std::string PayloadCacheDir(Host& host) {
  if (auto home = host.GetEnv("HOME"); home && !home->empty() && *home != "/") {
    return *home + "/.cache/tend/python";
  }
  return fmt::format("/tmp/tend-python-{}", host.EffectiveUid());
}

const ModuleSpec& PythonModuleSpec() {
  static const ModuleSpec spec{
      .name = std::string(kPythonModuleOp),
      .short_description = "Run Ansible's Python code for a module tend has no native one of",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "payload", .type = ArgType::kStr, .required = true},
               {.name = "interpreters", .type = ArgType::kList},
               {.name = "module_args", .type = ArgType::kDict, .default_value = Json::object()}},
      .supports_diff = true,
  };
  return spec;
}

Expected<Json> RunPythonModule(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = context.Str("name");
  std::vector<std::string> tried = StringList(context.args.value("interpreters", Json::array()));
  auto interpreter = FindInterpreter(host, tried, host.GetEnv("PATH").value_or("/usr/bin:/bin"));
  if (!interpreter) {
    return FailedResult(fmt::format(
        "module {} has no native implementation in tend and needs Python 3 on the host; none "
        "found (tried {})",
        name, fmt::join(tried, ", ")));
  }
  auto payload = EnsurePayload(context, context.Str("payload"));
  if (!payload) return std::unexpected(payload.error());
  Json module_args = context.args.value("module_args", Json::object());
  // Without a task tmp dir (remote_tmp not writable for a become user) the
  // module picks its own, as under Ansible with an unprivileged become user.
  auto tmpdir = MakeTaskTmpdir(host, module_args);
  module_args["_ansible_tmpdir"] = tmpdir ? Json(*tmpdir) : Json();
  ProcessSpec spec{.argv = {*interpreter, *payload},
                   .stdin_data = Json{{"ANSIBLE_MODULE_ARGS", module_args}}.dump()};
  auto ran = host.Run(spec);
  bool keep = module_args.value("_ansible_keep_remote_files", false);
  if (tmpdir && !keep) (void)host.RemoveTree(*tmpdir);
  if (!ran) return std::unexpected(ran.error());
  return ParseModuleOutput(ran->rc, ran->stdout_data, ran->stderr_data, *interpreter);
}

const Module& PythonModule() {
  static const Module module{PythonModuleSpec, RunPythonModule};
  return module;
}

}  // namespace tend
