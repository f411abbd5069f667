#include <fmt/format.h>

#include <random>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// Python's tempfile draws 8 characters from this alphabet; so do we, so the
// names look like the ones Ansible makes ("ansible.k3_x9q2a").
constexpr std::string_view kNameChars = "abcdefghijklmnopqrstuvwxyz0123456789_";
constexpr int kAttempts = 100;

std::string RandomName(std::random_device& random) {
  std::uniform_int_distribution<size_t> pick(0, kNameChars.size() - 1);
  std::string name;
  for (int i = 0; i < 8; ++i) name += kNameChars[pick(random)];
  return name;
}

bool IsDirectory(Host& host, const std::string& path) {
  auto info = host.Stat(path);
  return info && info->kind == FileKind::kDirectory;
}

// tempfile.gettempdir(): $TMPDIR, $TEMP, $TMP, then the usual places.
Expected<std::string> DefaultDirectory(Host& host) {
  std::vector<std::string> candidates;
  for (const char* name : {"TMPDIR", "TEMP", "TMP"}) {
    if (auto value = host.GetEnv(name); value && !value->empty()) candidates.push_back(*value);
  }
  for (const char* dir : {"/tmp", "/var/tmp", "/usr/tmp"}) candidates.push_back(dir);
  for (const auto& dir : candidates) {
    if (IsDirectory(host, dir)) return dir;
  }
  return Fail(
      fmt::format("[Errno 2] No usable temporary directory found in {}", Json(candidates).dump()));
}

// Creates `path` exclusively: a file 0600 or a directory 0700, as mkstemp
// and mkdtemp do. False when the name is already taken.
Expected<bool> CreateExclusive(Host& host, const std::string& path, bool directory) {
  auto info = host.Stat(path, false);
  if (!info) return std::unexpected(info.error());
  if (info->exists()) return false;
  auto made = directory ? host.MakeDirectory(path, 0700)
                        : host.WriteFileAtomic(path, StringSource(""), {.mode = 0600});
  if (made) return true;
  // Lost a race for the name: another process created it meanwhile.
  auto again = host.Stat(path, false);
  if (again && again->exists()) return false;
  return std::unexpected(made.error());
}

// Python's errors for an unusable directory name the path it tried.
Expected<void> CheckDirectory(Host& host, const std::string& dir, const std::string& tried) {
  auto info = host.Stat(dir);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) return Fail(fmt::format("[Errno 2] No such file or directory: '{}'", tried));
  if (info->kind != FileKind::kDirectory) {
    return Fail(fmt::format("[Errno 20] Not a directory: '{}'", tried));
  }
  return {};
}

}  // namespace

const ModuleSpec& TempfileSpec() {
  static const ModuleSpec spec{
      .name = "tempfile",
      .short_description = "Creates temporary files and directories",
      .args = {{.name = "state",
                .type = ArgType::kStr,
                .default_value = "file",
                .choices = {"directory", "file"}},
               {.name = "path", .type = ArgType::kPath},
               {.name = "prefix", .type = ArgType::kStr, .default_value = "ansible."},
               {.name = "suffix", .type = ArgType::kStr, .default_value = ""}},
      // Ansible's tempfile has no check mode: the task is skipped.
      .supports_check_mode = false,
      .returns = {"path", "state", "mode", "owner", "group", "uid", "gid", "size"},
  };
  return spec;
}

Expected<Json> RunTempfile(ModuleContext& context) {
  Host& host = context.Machine();
  std::string dir;
  if (context.Has("path")) {
    dir = ExpandUser(host, context.Str("path"));
  } else {
    auto found = DefaultDirectory(host);
    if (!found) return std::unexpected(found.error());
    dir = *found;
  }
  bool directory = context.Str("state", "file") == "directory";
  std::string prefix = context.Str("prefix", "ansible.");
  std::string suffix = context.Str("suffix");
  std::random_device random;
  auto name = [&] { return JoinPath(dir, prefix + RandomName(random) + suffix); };
  if (auto usable = CheckDirectory(host, dir, name()); !usable) {
    return std::unexpected(usable.error());
  }
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    std::string path = name();
    auto created = CreateExclusive(host, path, directory);
    if (!created) return std::unexpected(created.error());
    if (!*created) continue;
    Json result{{"changed", true}, {"path", path}};
    AddFileFacts(host, path, result);
    return result;
  }
  return Fail(fmt::format("[Errno 17] No usable temporary {} name found",
                          directory ? "directory" : "file"));
}

}  // namespace tend
