#include <fmt/format.h>

#include <ctime>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

const char* StateName(FileKind kind) {
  switch (kind) {
    case FileKind::kMissing:
      return "absent";
    case FileKind::kFile:
      return "file";
    case FileKind::kDirectory:
      return "directory";
    case FileKind::kLink:
      return "link";
    case FileKind::kOther:
      return "file";
  }
  return "file";
}

Json Diff(const std::string& path, const char* before, const char* after) {
  return Json{{"before", {{"path", path}, {"state", before}}},
              {"after", {{"path", path}, {"state", after}}}};
}

Expected<Json> EnsureAbsent(ModuleContext& context, const std::string& path, const FileInfo& info) {
  Json result{{"changed", false}, {"path", path}, {"state", "absent"}};
  if (!info.exists()) return result;
  result["changed"] = true;
  if (context.diff) result["diff"] = Diff(path, StateName(info.kind), "absent");
  if (context.check) return result;
  auto ok = info.kind == FileKind::kDirectory ? context.Machine().RemoveTree(path)
                                              : context.Machine().Remove(path);
  if (!ok) return std::unexpected(ok.error());
  return result;
}

// Creates missing parents and the directory itself, like mkdir -p. Each
// directory it creates gets the task's owner, group and mode, as Ansible's
// ensure_directory gives them to every created parent.
Expected<bool> MakeDirectories(ModuleContext& context, const std::string& path) {
  Host& host = context.Machine();
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  if (info->exists()) return false;
  std::string parent = DirName(path);
  if (parent != path) {
    auto made = MakeDirectories(context, parent);
    if (!made) return made;
  }
  if (context.check) return true;
  auto ok = host.MakeDirectory(path, 0755);
  if (!ok) return std::unexpected(ok.error());
  auto created = host.Stat(path, false);
  if (!created) return std::unexpected(created.error());
  auto attrs = ApplyFileAttributes(context, path, *created);
  if (!attrs) return std::unexpected(attrs.error());
  return true;
}

// A timestamp argument as Ansible's get_timestamp_for_time reads it:
// "preserve", "now", or a time in its format (local time). Left out, it is
// "now" for state=touch and "preserve" otherwise.
struct TimeChoice {
  bool preserve = true;
  bool now = false;
  int64_t at = 0;
};

Expected<TimeChoice> ReadTime(ModuleContext& context, const char* arg, const char* format_arg,
                              const std::string& state) {
  std::string value = context.Has(arg) ? context.Str(arg) : state == "touch" ? "now" : "preserve";
  if (value == "preserve") return TimeChoice{};
  if (value == "now") return TimeChoice{.preserve = false, .now = true};
  std::string format = context.Str(format_arg, "%Y%m%d%H%M.%S");
  std::tm tm{};
  tm.tm_isdst = -1;
  const char* end = strptime(value.c_str(), format.c_str(), &tm);
  if (end == nullptr || *end != '\0') {
    return Fail(fmt::format("Error while obtaining timestamp for time {} using format {}: time data '{}' "
                            "does not match format '{}'",
                            value, format, value, format));
  }
  return TimeChoice{.preserve = false, .at = static_cast<int64_t>(std::mktime(&tm))};
}

// modification_time and access_time, as Ansible's update_timestamp_for_file:
// nothing when both are preserved; "now" always changes (Ansible compares
// the sub-second time.time() with the file's time, which never matches).
// The times that change go into `diff`, as Ansible records them.
Expected<bool> UpdateTimes(ModuleContext& context, const std::string& path, const FileInfo& info,
                           const std::string& state, Json& diff) {
  auto m = ReadTime(context, "modification_time", "modification_time_format", state);
  if (!m) return std::unexpected(m.error());
  auto a = ReadTime(context, "access_time", "access_time_format", state);
  if (!a) return std::unexpected(a.error());
  if (m->preserve && a->preserve) return false;
  Host& host = context.Machine();
  int64_t now = host.NowMicros() / 1000000;
  int64_t mtime = m->preserve ? info.mtime : m->now ? now : m->at;
  int64_t atime = a->preserve ? info.atime : a->now ? now : a->at;
  bool changed = m->now || a->now || mtime != info.mtime || atime != info.atime;
  if (m->now || mtime != info.mtime) {
    diff["before"]["mtime"] = info.mtime;
    diff["after"]["mtime"] = mtime;
  }
  if (a->now || atime != info.atime) {
    diff["before"]["atime"] = info.atime;
    diff["after"]["atime"] = atime;
  }
  if (!changed || context.check || !info.exists()) return changed;
  auto set = host.SetTimes(path, atime, mtime);
  if (!set) return std::unexpected(set.error());
  return true;
}

// Applies attributes to everything under `dir` (recurse=yes).
Expected<bool> ApplyRecursively(ModuleContext& context, const std::string& dir) {
  Host& host = context.Machine();
  auto names = host.ListDirectory(dir);
  if (!names) return std::unexpected(names.error());
  bool changed = false;
  for (const auto& name : *names) {
    std::string child = JoinPath(dir, name);
    auto info = host.Stat(child, false);
    if (!info) return std::unexpected(info.error());
    auto applied = ApplyFileAttributes(context, child, *info);
    if (!applied) return applied;
    changed |= *applied;
    if (info->kind == FileKind::kDirectory) {
      auto below = ApplyRecursively(context, child);
      if (!below) return below;
      changed |= *below;
    }
  }
  return changed;
}

Expected<Json> EnsureLink(ModuleContext& context, const std::string& path, const FileInfo& info,
                          bool hard) {
  Host& host = context.Machine();
  std::string src = context.Str("src");
  // Without src Ansible keeps an existing symlink's target (and then only
  // applies the attributes); it needs src only to make a new link.
  bool keep_link = src.empty() && !hard && info.kind == FileKind::kLink;
  if (keep_link) src = info.link_target;
  if (src.empty()) return Fail(fmt::format("src is required for state={}", hard ? "hard" : "link"));
  Json result{{"changed", false}, {"path", path}, {"src", src}, {"state", hard ? "hard" : "link"}};
  bool same = false;
  if (hard) {
    auto source = host.Stat(src, false);
    if (!source) return std::unexpected(source.error());
    if (!source->exists())
      return Fail(fmt::format(
          "src file does not exist, use \"force=yes\" if you really want to create the link: {}",
          src));
    same = info.exists() && info.inode == source->inode && info.device == source->device;
  } else {
    // A relative src is read from the link's directory (the path itself when
    // it is a real directory), as Ansible checks it exists without force.
    std::string base = info.kind == FileKind::kDirectory ? path : DirName(path);
    std::string absolute = src.front() == '/' ? src : JoinPath(base, src);
    if (!context.Bool("force") && !keep_link) {
      auto target = host.Stat(absolute);
      if (!target) return std::unexpected(target.error());
      if (!target->exists())
        return Fail(fmt::format(
            "src file does not exist, use \"force=yes\" if you really want to create the link: {}",
            absolute));
    }
    same = info.kind == FileKind::kLink && info.link_target == src;
  }
  if (!same) {
    bool force = context.Bool("force");
    if (info.kind == FileKind::kDirectory) {
      // Ansible replaces only an empty directory by a symlink, and only with force.
      if (!hard && !force) {
        return Fail(fmt::format("refusing to convert from directory to symlink for {}", path));
      }
      auto entries = host.ListDirectory(path);
      if (!entries) return std::unexpected(entries.error());
      if (hard || !entries->empty())
        return Fail(fmt::format("the directory {} is not empty, refusing to convert it", path));
    }
    if (info.kind == FileKind::kFile && !hard && !force) {
      return Fail(fmt::format("refusing to convert from file to symlink for {}", path));
    }
    result["changed"] = true;
    result["diff"] = Diff(path, StateName(info.kind), hard ? "hard" : "link");
    if (info.kind == FileKind::kLink && !hard) {
      // Re-pointing a link: the diff names both targets, with or without
      // --diff, as Ansible's file module returns it (roles read it).
      result["diff"] = Json{{"before", {{"path", path}, {"src", info.link_target}}},
                            {"after", {{"path", path}, {"src", src}}}};
    }
    if (!context.check) {
      if (info.exists()) {
        auto removed = host.Remove(path);
        if (!removed) return std::unexpected(removed.error());
      }
      auto made = hard ? host.HardLink(src, path) : host.Symlink(src, path);
      if (!made) return std::unexpected(made.error());
    }
  }
  auto now = host.Stat(path, false);
  if (!now) return std::unexpected(now.error());
  std::string subject = path;
  if (!hard && now->kind == FileKind::kLink && context.Bool("follow", true)) {
    // follow: the attributes belong to the link's target, as in Ansible.
    subject = now->link_target.front() == '/' ? now->link_target
                                               : JoinPath(DirName(path), now->link_target);
    now = host.Stat(subject, false);
    if (!now) return std::unexpected(now.error());
    if (!now->exists()) return result;  // nothing to set on a dangling target
  }
  auto attrs = ApplyFileAttributes(context, subject, *now);
  if (!attrs) return std::unexpected(attrs.error());
  if (*attrs) result["changed"] = true;
  return result;
}

Expected<Json> EnsureExisting(ModuleContext& context, const std::string& path, FileInfo info,
                              const std::string& state) {
  Host& host = context.Machine();
  Json result{{"changed", false}, {"path", path}};
  Json diff{{"before", {{"path", path}}}, {"after", {{"path", path}}}};
  if (state == "directory") {
    if (info.exists() && info.kind != FileKind::kDirectory) {
      return Fail(fmt::format("{} already exists as a {}", path, StateName(info.kind)));
    }
    auto made = MakeDirectories(context, path);
    if (!made) return std::unexpected(made.error());
    if (*made) {
      result["changed"] = true;
      diff = Diff(path, "absent", "directory");
    }
  } else if (state == "touch") {
    diff = Diff(path, StateName(info.kind), "touch");
    if (!info.exists()) {
      result["changed"] = true;
      if (!context.check) {
        auto ok = host.WriteFileAtomic(path, StringSource(""), {});
        if (!ok) return std::unexpected(ok.error());
      }
    }
  } else if (!info.exists() || info.kind == FileKind::kDirectory) {
    // With the path and the state found, as Ansible's failure carries them.
    const char* found = info.exists() ? "directory" : "absent";
    return FailedResult(fmt::format("file ({}) is {}, cannot continue", path, found),
                        Json{{"path", path}, {"state", found}});
  }
  if (!context.check || info.exists()) {
    auto now = host.Stat(path, context.Bool("follow", true));
    if (!now) return std::unexpected(now.error());
    info = *now;
  }
  auto attrs = ApplyFileAttributes(context, path, info, &diff);
  if (!attrs) return std::unexpected(attrs.error());
  if (*attrs) result["changed"] = true;
  if (info.exists() || state == "touch") {
    auto times = UpdateTimes(context, path, info, state, diff);
    if (!times) return std::unexpected(times.error());
    if (*times) result["changed"] = true;
  }
  if (state == "directory" && context.Bool("recurse") && info.exists()) {
    auto below = ApplyRecursively(context, path);
    if (!below) return std::unexpected(below.error());
    if (*below) result["changed"] = true;
  }
  // Ansible's file module returns its diff with or without --diff (the
  // callback shows it only under --diff).
  result["diff"] = diff;
  return result;
}

}  // namespace

const ModuleSpec& FileSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "file",
        .short_description = "Manage files and file properties",
        .args = {{.name = "path",
                  .type = ArgType::kPath,
                  .required = true,
                  .aliases = {"dest", "name"}},
                 {.name = "state",
                  .type = ArgType::kStr,
                  .choices = {"absent", "directory", "file", "hard", "link", "touch"}},
                 {.name = "src", .type = ArgType::kPath},
                 {.name = "recurse", .type = ArgType::kBool, .default_value = false},
                 {.name = "force", .type = ArgType::kBool, .default_value = false},
                 {.name = "follow", .type = ArgType::kBool, .default_value = true},
                 {.name = "modification_time", .type = ArgType::kStr},
                 {.name = "modification_time_format",
                  .type = ArgType::kStr,
                  .default_value = "%Y%m%d%H%M.%S"},
                 {.name = "access_time", .type = ArgType::kStr},
                 {.name = "access_time_format",
                  .type = ArgType::kStr,
                  .default_value = "%Y%m%d%H%M.%S"}},
        .supports_diff = true,
        .returns = {"path", "state", "mode", "owner", "group", "uid", "gid", "size", "diff"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunFile(ModuleContext& context) {
  Host& host = context.Machine();
  std::string path = ExpandUser(host, context.Str("path"));
  // "/srv/app/" names the directory /srv/app, as Python's os.path does.
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  auto info = host.Stat(path, false);
  if (!info) return std::unexpected(info.error());
  // Ansible's default state: what is there, else file.
  std::string state = context.Str("state");
  if (state.empty()) {
    state = info->exists() ? StateName(info->kind) : "file";
  }
  // Ansible refuses src unless the (given or defaulted) state makes a link.
  if (context.Has("src") && state != "link" && state != "hard") {
    return Fail("src option requires state to be 'link' or 'hard'");
  }
  if (state == "file" && info->kind == FileKind::kLink && context.Bool("follow", true)) {
    auto followed = host.Stat(path, true);
    if (!followed) return std::unexpected(followed.error());
    info = followed;
  }
  Expected<Json> result = state == "absent" ? EnsureAbsent(context, path, *info)
                          : state == "link" ? EnsureLink(context, path, *info, false)
                          : state == "hard" ? EnsureLink(context, path, *info, true)
                                            : EnsureExisting(context, path, *info, state);
  if (!result) return result;
  if (state != "absent" && !context.check) AddFileFacts(host, path, *result);
  return result;
}

}  // namespace tend
