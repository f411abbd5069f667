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

uint32_t Le32(std::string_view s, size_t at) {
  return static_cast<uint8_t>(s[at]) | static_cast<uint8_t>(s[at + 1]) << 8 |
         static_cast<uint8_t>(s[at + 2]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3])) << 24;
}

uint16_t Le16(std::string_view s, size_t at) {
  return static_cast<uint16_t>(static_cast<uint8_t>(s[at]) | static_cast<uint8_t>(s[at + 1]) << 8);
}

bool SafeName(std::string_view name) {
  if (name.empty() || name.front() == '/') return false;
  return name != ".." && !name.starts_with("../") && name.find("/../") == std::string_view::npos &&
         !name.ends_with("/..");
}

// The payload unpacked beside its zip, once: Python then keeps the compiled
// bytecode in __pycache__ there, where from a zip it would compile every
// module_utils file on every run. Made under a temporary name and renamed,
// so a half-written directory is never used.
Expected<std::string> EnsureExtracted(Host& host, const std::string& zip_path) {
  std::string dir = zip_path.substr(0, zip_path.size() - 4);
  auto ready = host.Stat(dir + "/__main__.py");
  if (ready && ready->exists()) return dir;
  auto bytes = host.ReadFile(zip_path);
  if (!bytes) return std::unexpected(bytes.error());
  auto entries = ReadStoredZip(*bytes);
  if (!entries) return std::unexpected(entries.error());
  std::string tmp = fmt::format("{}.tmp-{}", dir, ::getpid());
  (void)host.RemoveTree(tmp);
  for (const auto& e : *entries) {
    std::string path = tmp + "/" + e.name;
    if (auto made = MakeDirectories(host, path.substr(0, path.rfind('/')), 0700); !made) return std::unexpected(made.error());
    if (auto ok = host.WriteFileAtomic(path, StringSource(e.content), FileAttrs{.mode = 0600}); !ok) {
      return std::unexpected(ok.error());
    }
  }
  if (auto moved = host.Rename(tmp, dir); !moved) {
    (void)host.RemoveTree(tmp);
    // Another agent of the same user got there first.
    auto other = host.Stat(dir + "/__main__.py");
    if (!other || !other->exists()) return std::unexpected(moved.error());
  }
  return dir;
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

std::string NoPythonMessage(const std::string& name, const std::vector<std::string>& tried) {
  return fmt::format(
      "module {} has no native implementation in tend and needs Python 3 on the host; none found "
      "(tried {})",
      name, fmt::join(tried, ", "));
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

Expected<std::vector<ZipEntry>> ReadStoredZip(std::string_view zip) {
  std::vector<ZipEntry> out;
  size_t at = 0;
  while (at + 4 <= zip.size() && Le32(zip, at) == 0x04034b50U) {
    if (at + 30 > zip.size()) return Fail("truncated zip entry");
    if (Le16(zip, at + 8) != 0) return Fail("a zip entry is compressed; expected stored entries");
    uint32_t size = Le32(zip, at + 18);
    uint16_t name_len = Le16(zip, at + 26);
    uint16_t extra_len = Le16(zip, at + 28);
    size_t data = at + 30 + name_len + extra_len;
    if (data + size > zip.size()) return Fail("truncated zip entry");
    std::string name(zip.substr(at + 30, name_len));
    if (!SafeName(name)) return Fail(fmt::format("unsafe name in zip: {}", name));
    out.push_back({std::move(name), std::string(zip.substr(data, size))});
    at = data + size;
  }
  if (out.empty()) return Fail("not a zip of stored entries");
  return out;
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

Expected<void> StagePythonModule(ModuleContext& context) {
  Host& host = context.Machine();
  std::vector<std::string> tried = StringList(context.args.value("interpreters", Json::array()));
  if (!FindInterpreter(host, tried, host.GetEnv("PATH").value_or("/usr/bin:/bin"))) {
    return Fail(NoPythonMessage(context.args.value("name", ""), tried));
  }
  auto payload = EnsurePayload(context, context.args.value("payload", ""));
  if (!payload) return std::unexpected(payload.error());
  auto unpacked = EnsureExtracted(host, *payload);
  if (!unpacked) return std::unexpected(unpacked.error());
  return {};
}

Expected<Json> RunPythonModule(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = context.Str("name");
  std::vector<std::string> tried = StringList(context.args.value("interpreters", Json::array()));
  auto interpreter = FindInterpreter(host, tried, host.GetEnv("PATH").value_or("/usr/bin:/bin"));
  if (!interpreter) return FailedResult(NoPythonMessage(name, tried));
  auto payload = EnsurePayload(context, context.Str("payload"));
  if (!payload) return std::unexpected(payload.error());
  auto unpacked = EnsureExtracted(host, *payload);
  if (!unpacked) return std::unexpected(unpacked.error());
  Json module_args = context.args.value("module_args", Json::object());
  // Without a task tmp dir (remote_tmp not writable for a become user) the
  // module picks its own, as under Ansible with an unprivileged become user.
  auto tmpdir = MakeTaskTmpdir(host, module_args);
  module_args["_ansible_tmpdir"] = tmpdir ? Json(*tmpdir) : Json();
  ProcessSpec spec{.argv = {*interpreter, *unpacked + "/__main__.py"},
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
