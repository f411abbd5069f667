// modprobe (community.general): the loaded state read natively from
// /proc/modules (and modules.builtin for built-in ones), changed with
// `modprobe` / `modprobe -r`; `persistent` manages
// /etc/modules-load.d/<name>.conf and "options" lines in /etc/modprobe.d
// the way community.general does.

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "modules/framework/all.h"
#include "modules/parsers/kernel_parse.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

constexpr const char* kLoadDir = "/etc/modules-load.d";
constexpr const char* kOptionsDir = "/etc/modprobe.d";

struct Request {
  std::string name;
  std::string params;
  std::vector<std::string> param_words;  // for the modprobe command line
  bool check = false;
};

// /proc/modules spells dashes as underscores; modules.builtin lists paths
// ("kernel/drivers/foo.ko") under the running kernel's release.
Expected<bool> ModuleLoaded(Host& host, const std::string& name) {
  std::string prefix = name + " ";
  std::replace(prefix.begin(), prefix.end(), '-', '_');
  // A kernel built without loadable modules has no /proc/modules: nothing is
  // loaded (Ansible fails on the open).
  auto listed = host.Stat("/proc/modules");
  if (!listed) return std::unexpected(listed.error());
  if (listed->exists()) {
    auto modules = host.ReadFile("/proc/modules");
    if (!modules) return std::unexpected(modules.error());
    for (const auto& line : kernel::LinesWithEnds(*modules)) {
      if (line.starts_with(prefix)) return true;
    }
  }
  auto release = host.ReadFile("/proc/sys/kernel/osrelease");
  if (!release) return std::unexpected(release.error());
  std::string builtin_path =
      fmt::format("/lib/modules/{}/modules.builtin", kernel::Strip(*release));
  // Containers often have no /lib/modules for the host's kernel: nothing is
  // built in as far as this system knows (Ansible fails on the open here).
  auto builtin = host.ReadFile(builtin_path);
  if (!builtin) return false;
  std::string suffix = "/" + name + ".ko";
  for (const auto& line : kernel::LinesWithEnds(*builtin)) {
    if (kernel::StripRight(line).ends_with(suffix)) return true;
  }
  return false;
}

Expected<ProcessResult> Modprobe(Host& host, std::vector<std::string> args) {
  args.insert(args.begin(), "modprobe");
  auto ran = host.Run({.argv = std::move(args), .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran)
    return Fail(
        fmt::format("could not run modprobe (is kmod installed?): {}", ran.error().message));
  return ran;
}

// A failed modprobe fails the task with its output, as Ansible reports it.
void Failure(const ProcessResult& ran, Json& result) {
  std::string msg(StripTrailingNewlines(ran.stderr_data));
  if (msg.empty()) msg = fmt::format("modprobe failed (rc={})", ran.rc);
  result.update({{"failed", true},
                 {"msg", msg},
                 {"rc", ran.rc},
                 {"stdout", ran.stdout_data},
                 {"stderr", ran.stderr_data}});
}

// modprobe -n is a dry run: in check mode it still tells whether the module
// exists. A load that leaves the module unlisted (a container, a module
// blacklisted by install lines) is not a change; modprobe's complaint about
// it becomes a warning.
Expected<void> Load(Host& host, const Request& request, Json& result) {
  std::vector<std::string> args;
  if (request.check) args.push_back("-n");
  args.push_back(request.name);
  args.insert(args.end(), request.param_words.begin(), request.param_words.end());
  auto ran = Modprobe(host, args);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    Failure(*ran, result);
    return {};
  }
  auto loaded = request.check ? Expected<bool>(true) : ModuleLoaded(host, request.name);
  if (!loaded) return std::unexpected(loaded.error());
  if (*loaded) {
    result["changed"] = true;
    return {};
  }
  args = {"-n", "--first-time", request.name};
  args.insert(args.end(), request.param_words.begin(), request.param_words.end());
  auto again = Modprobe(host, args);
  if (!again) return std::unexpected(again.error());
  if (again->rc != 0) {
    result["warnings"].push_back(std::string(StripTrailingNewlines(again->stderr_data)));
  }
  return {};
}

Expected<void> Unload(Host& host, const Request& request, Json& result) {
  std::vector<std::string> args{"-r", request.name};
  if (request.check) args.push_back("-n");
  auto ran = Modprobe(host, args);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    Failure(*ran, result);
    return {};
  }
  result["changed"] = true;
  return {};
}

// A file of the persistent configuration: its path and content.
struct ConfFile {
  std::string path;
  std::string content;
};

// Regular files (links followed) directly in `dir`; none when it is missing.
Expected<std::vector<ConfFile>> ReadConfDir(Host& host, const std::string& dir) {
  std::vector<ConfFile> files;
  auto info = host.Stat(dir);
  if (!info) return std::unexpected(info.error());
  if (info->kind != FileKind::kDirectory) return files;
  auto names = host.ListDirectory(dir);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    std::string path = JoinPath(dir, name);
    auto file = host.Stat(path);
    if (!file || file->kind != FileKind::kFile) continue;
    auto content = host.ReadFile(path);
    if (!content) return std::unexpected(content.error());
    files.push_back({path, std::move(*content)});
  }
  return files;
}

// The persistent configuration as it is and as it should become.
struct Persistence {
  std::vector<ConfFile> load_files;
  std::vector<ConfFile> option_files;
  std::map<std::string, std::string> planned;  // path -> new content

  bool LoadsPersistently(const std::string& name) const {
    for (const auto& file : load_files) {
      for (const auto& line : kernel::LinesWithEnds(file.content)) {
        if (kernel::LoadsModule(line, name)) return true;
      }
    }
    return false;
  }

  std::set<std::string> PermanentParams(const std::string& name) const {
    std::set<std::string> params;
    for (const auto& file : option_files) {
      for (const auto& line : kernel::LinesWithEnds(file.content)) {
        if (auto param = kernel::ModuleOption(line, name)) params.insert(*param);
      }
    }
    return params;
  }
};

// Every line `matches` accepts commented out with "#", per file.
template <class Match>
void CommentOut(const std::vector<ConfFile>& files, Match matches,
                std::map<std::string, std::string>& planned) {
  for (const auto& file : files) {
    auto lines = kernel::LinesWithEnds(file.content);
    bool edited = false;
    for (auto& line : lines) {
      if (!matches(line)) continue;
      line = "#" + line;
      edited = true;
    }
    if (edited) planned[file.path] = kernel::JoinLines(lines);
  }
}

std::string OptionsContent(const Request& request) {
  std::string content;
  for (const auto& param : kernel::Words(request.params)) {
    content += fmt::format("options {} {}\n", request.name, param);
  }
  return content.empty() ? "\n" : content;
}

void PlanPresent(Persistence& p, const Request& request) {
  const std::string& name = request.name;
  if (!p.LoadsPersistently(name)) {
    p.planned[fmt::format("{}/{}.conf", kLoadDir, name)] = name + "\n";
  }
  auto words = kernel::Words(request.params);
  if (std::set<std::string>(words.begin(), words.end()) != p.PermanentParams(name)) {
    CommentOut(
        p.option_files,
        [&](const std::string& l) { return kernel::ModuleOption(l, name).has_value(); }, p.planned);
    p.planned[fmt::format("{}/{}.conf", kOptionsDir, name)] = OptionsContent(request);
  }
}

void PlanAbsent(Persistence& p, const Request& request) {
  const std::string& name = request.name;
  CommentOut(
      p.load_files, [&](const std::string& l) { return kernel::LoadsModule(l, name); }, p.planned);
  CommentOut(
      p.option_files,
      [&](const std::string& l) { return kernel::ModuleOption(l, name).has_value(); }, p.planned);
}

Expected<void> WritePlanned(Host& host, const std::map<std::string, std::string>& planned) {
  for (const auto& [path, content] : planned) {
    std::string dir = DirName(path);
    auto dir_info = host.Stat(dir);
    if (!dir_info) return std::unexpected(dir_info.error());
    if (!dir_info->exists()) {
      auto made = host.MakeDirectory(dir, 0755);
      if (!made) return made;
    }
    auto info = host.Stat(path);
    if (!info) return std::unexpected(info.error());
    FileAttrs attrs{.mode = 0644, .uid = {}, .gid = {}};
    if (info->exists()) attrs = {.mode = info->mode & 07777, .uid = info->uid, .gid = info->gid};
    auto written = host.WriteFileAtomic(path, StringSource(content), attrs);
    if (!written) return written;
  }
  return {};
}

Expected<void> ApplyPersistence(ModuleContext& context, const Request& request, Json& result) {
  std::string mode = context.Str("persistent");
  if (mode == "disabled") return {};
  Host& host = context.Machine();
  Persistence p;
  auto load_files = ReadConfDir(host, kLoadDir);
  if (!load_files) return std::unexpected(load_files.error());
  auto option_files = ReadConfDir(host, kOptionsDir);
  if (!option_files) return std::unexpected(option_files.error());
  p.load_files = std::move(*load_files);
  p.option_files = std::move(*option_files);
  if (mode == "present") PlanPresent(p, request);
  if (mode == "absent") PlanAbsent(p, request);
  // A file planned with the content it already has is no change.
  for (const auto& file : p.load_files) {
    auto it = p.planned.find(file.path);
    if (it != p.planned.end() && it->second == file.content) p.planned.erase(it);
  }
  for (const auto& file : p.option_files) {
    auto it = p.planned.find(file.path);
    if (it != p.planned.end() && it->second == file.content) p.planned.erase(it);
  }
  if (p.planned.empty()) return {};
  result["changed"] = true;
  if (context.check) return {};
  return WritePlanned(host, p.planned);
}

}  // namespace

const ModuleSpec& ModprobeSpec() {
  static const ModuleSpec spec{
      .name = "modprobe",
      .short_description = "Load or unload kernel modules",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}},
               {.name = "params", .type = ArgType::kStr, .default_value = ""},
               {.name = "persistent",
                .type = ArgType::kStr,
                .default_value = "disabled",
                .choices = {"disabled", "absent", "present"}}},
      .returns = {"name", "params", "state"},
  };
  return spec;
}

Expected<Json> RunModprobe(ModuleContext& context) {
  Host& host = context.Machine();
  Request request{.name = context.Str("name"),
                  .params = context.Str("params"),
                  .param_words = {},
                  .check = context.check};
  if (request.name.empty() || request.name.find_first_of(" \t\n/") != std::string::npos) {
    return Fail(fmt::format("name: '{}' is not a kernel module name", request.name));
  }
  auto words = ShlexSplit(request.params);
  if (!words) return Fail(fmt::format("params: {}", words.error().message));
  request.param_words = std::move(*words);
  bool present = context.Str("state") == "present";
  Json result{{"changed", false},
              {"name", request.name},
              {"params", request.params},
              {"state", context.Str("state")},
              {"warnings", Json::array()}};
  auto loaded = ModuleLoaded(host, request.name);
  if (!loaded) return std::unexpected(loaded.error());
  Expected<void> acted;
  if (present && !*loaded) acted = Load(host, request, result);
  if (!present && *loaded) acted = Unload(host, request, result);
  if (!acted) return std::unexpected(acted.error());
  if (!result.value("failed", false)) {
    auto persisted = ApplyPersistence(context, request, result);
    if (!persisted) return std::unexpected(persisted.error());
  }
  if (result["warnings"].empty()) result.erase("warnings");
  return result;
}

}  // namespace tend
