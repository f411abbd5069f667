#include "modules/files/file_common.h"

#include <fmt/format.h>
#include <unistd.h>

#include "modules/framework/text.h"

namespace tend {
namespace {

// One clause of a symbolic mode: "ug+rx", "o=", "a-w", "g=u".
Expected<uint32_t> ApplySymbolicClause(std::string_view clause, uint32_t mode, bool is_directory,
                                       const std::string& whole) {
  size_t op_pos = clause.find_first_of("+-=");
  if (op_pos == std::string_view::npos) {
    return Fail(fmt::format("bad symbolic permission for mode: {}", whole));
  }
  std::string_view who = clause.substr(0, op_pos);
  char op = clause[op_pos];
  std::string_view perms = clause.substr(op_pos + 1);
  uint32_t who_mask = 0;
  if (who.empty() || who.find('a') != std::string_view::npos) who_mask = 07777;
  for (char c : who) {
    if (c == 'u')
      who_mask |= 04700;
    else if (c == 'g')
      who_mask |= 02070;
    else if (c == 'o')
      who_mask |= 01007;
    else if (c != 'a')
      return Fail(fmt::format("bad symbolic permission for mode: {}", whole));
  }
  uint32_t bits = 0;
  for (char c : perms) {
    switch (c) {
      case 'r':
        bits |= 0444;
        break;
      case 'w':
        bits |= 0222;
        break;
      case 'x':
        bits |= 0111;
        break;
      case 'X':
        if (is_directory || (mode & 0111)) bits |= 0111;
        break;
      case 's':
        bits |= 06000;
        break;
      case 't':
        bits |= 01000;
        break;
      case 'u':
        bits |= ((mode & 0700) >> 6) * 0111;
        break;
      case 'g':
        bits |= ((mode & 0070) >> 3) * 0111;
        break;
      case 'o':
        bits |= (mode & 0007) * 0111;
        break;
      default:
        return Fail(fmt::format("bad symbolic permission for mode: {}", whole));
    }
  }
  bits &= who_mask;
  if (op == '+') return mode | bits;
  if (op == '-') return mode & ~bits;
  return (mode & ~(who_mask & 0777)) | bits;
}

std::string OwnerName(Host& host, uid_t uid) {
  if (auto users = host.Users()) {
    for (const auto& u : *users) {
      if (u.uid == uid) return u.name;
    }
  }
  return std::to_string(uid);
}

std::string GroupName(Host& host, gid_t gid) {
  if (auto groups = host.Groups()) {
    for (const auto& g : *groups) {
      if (g.gid == gid) return g.name;
    }
  }
  return std::to_string(gid);
}

}  // namespace

std::vector<ArgSpec> FileAttributeArgs() {
  return {
      {.name = "mode", .type = ArgType::kRaw},
      {.name = "owner", .type = ArgType::kStr},
      {.name = "group", .type = ArgType::kStr},
      {.name = "seuser", .type = ArgType::kStr},
      {.name = "serole", .type = ArgType::kStr},
      {.name = "setype", .type = ArgType::kStr},
      {.name = "selevel", .type = ArgType::kStr},
      {.name = "unsafe_writes", .type = ArgType::kBool, .default_value = false},
      {.name = "attributes", .type = ArgType::kStr, .aliases = {"attr"}},
  };
}

Expected<uint32_t> ParseMode(const Json& mode, uint32_t current, bool is_directory) {
  if (mode.is_number_integer()) {
    int64_t n = mode.get<int64_t>();
    if (n < 0 || n > 07777)
      return Fail(fmt::format("mode must be in octal or symbolic form: {}", n));
    return static_cast<uint32_t>(n);
  }
  if (!mode.is_string()) {
    return Fail(fmt::format("mode must be in octal or symbolic form: {}", mode.dump()));
  }
  const std::string& text = mode.get_ref<const std::string&>();
  if (text.empty()) return Fail("mode must be in octal or symbolic form: ''");
  if (text.find_first_not_of("01234567") == std::string::npos) {
    uint32_t value = static_cast<uint32_t>(std::stoul(text, nullptr, 8));
    if (value > 07777) return Fail("mode must be in octal or symbolic form: " + text);
    return value;
  }
  if (text == "preserve") return current;
  uint32_t result = current;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view clause = std::string_view(text).substr(start, comma - start);
    auto applied = ApplySymbolicClause(clause, result, is_directory, text);
    if (!applied) return applied;
    result = *applied;
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return result;
}

std::string FormatMode(uint32_t mode) { return fmt::format("{:04o}", mode & 07777); }

Expected<FileAttrs> RequestedAttrs(ModuleContext& context, uint32_t current_mode,
                                   bool is_directory) {
  FileAttrs attrs;
  Host& host = context.Machine();
  if (context.Has("mode")) {
    auto mode = ParseMode(context.args["mode"], current_mode, is_directory);
    if (!mode) return std::unexpected(mode.error());
    attrs.mode = *mode;
  }
  if (context.Has("owner")) {
    auto uid = ResolveUid(host, context.Str("owner"));
    if (!uid) return std::unexpected(uid.error());
    attrs.uid = *uid;
  }
  if (context.Has("group")) {
    auto gid = ResolveGid(host, context.Str("group"));
    if (!gid) return std::unexpected(gid.error());
    attrs.gid = *gid;
  }
  return attrs;
}

Expected<bool> ApplyFileAttributes(ModuleContext& context, const std::string& path,
                                   const FileInfo& info, Json* diff) {
  auto attrs = RequestedAttrs(context, info.mode, info.kind == FileKind::kDirectory);
  if (!attrs) return std::unexpected(attrs.error());
  Host& host = context.Machine();
  bool changed = false;
  bool missing = !info.exists();
  auto note = [&](const char* key, Json before, Json after) {
    changed = true;
    if (!diff) return;
    (*diff)["before"][key] = std::move(before);
    (*diff)["after"][key] = std::move(after);
  };
  if (attrs->uid && (missing || *attrs->uid != info.uid)) {
    note("owner", info.uid, *attrs->uid);
    if (!context.check && !missing) {
      auto ok = host.Chown(path, attrs->uid, std::nullopt);
      if (!ok) return std::unexpected(ok.error());
    }
  }
  if (attrs->gid && (missing || *attrs->gid != info.gid)) {
    note("group", info.gid, *attrs->gid);
    if (!context.check && !missing) {
      auto ok = host.Chown(path, std::nullopt, attrs->gid);
      if (!ok) return std::unexpected(ok.error());
    }
  }
  // Links have no mode of their own on Linux.
  if (attrs->mode && info.kind != FileKind::kLink && (missing || *attrs->mode != info.mode)) {
    note("mode", FormatMode(info.mode), FormatMode(*attrs->mode));
    if (!context.check && !missing) {
      auto ok = host.Chmod(path, *attrs->mode);
      if (!ok) return std::unexpected(ok.error());
    }
  }
  return changed;
}

Expected<std::string> BackupFile(Host& host, const std::string& path) {
  int64_t now = host.NowMicros();
  time_t seconds = static_cast<time_t>(now / 1000000);
  tm local{};
  ::localtime_r(&seconds, &local);
  char stamp[32];
  ::strftime(stamp, sizeof stamp, "%Y-%m-%d@%H:%M:%S~", &local);
  std::string backup = fmt::format("{}.{}.{}", path, ::getpid(), stamp);
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  auto content = host.ReadFile(path);
  if (!content) return std::unexpected(content.error());
  auto ok = host.WriteFileAtomic(backup, StringSource(std::move(*content)),
                                 {.mode = info->mode, .uid = info->uid, .gid = info->gid});
  if (!ok) return std::unexpected(ok.error());
  return backup;
}

void AddFileFacts(Host& host, const std::string& path, Json& result) {
  auto info = host.Stat(path, false);
  if (!info || !info->exists()) {
    result["state"] = "absent";
    return;
  }
  static const char* kStates[] = {"absent", "file", "directory", "link", "file"};
  if (!result.contains("state")) result["state"] = kStates[static_cast<int>(info->kind)];
  result["mode"] = FormatMode(info->mode);
  result["uid"] = info->uid;
  result["gid"] = info->gid;
  result["owner"] = OwnerName(host, info->uid);
  result["group"] = GroupName(host, info->gid);
  result["size"] = info->size;
}

Expected<void> WriteValidated(ModuleContext& context, const std::string& path,
                              const ContentSource& content, const FileAttrs& attrs) {
  Host& host = context.Machine();
  std::string validate = context.Str("validate");
  if (validate.empty()) return host.WriteFileAtomic(path, content, attrs);
  if (validate.find("%s") == std::string::npos) {
    return Fail(fmt::format("validate must contain %s: {}", validate));
  }
  // Validate a complete copy beside the destination, then rename it into place.
  std::string tmp =
      fmt::format("{}/.{}.tend-validate-{}", DirName(path), BaseName(path), ::getpid());
  auto written = host.WriteFileAtomic(tmp, content, attrs);
  if (!written) return written;
  std::string command = validate;
  command.replace(command.find("%s"), 2, ShellQuote(tmp));
  auto argv = ShlexSplit(command);
  if (!argv) {
    (void)host.Remove(tmp);
    return Fail("failed to parse validate: " + argv.error().message);
  }
  auto ran = host.Run({.argv = *argv, .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran || ran->rc != 0) {
    (void)host.Remove(tmp);
    if (!ran) return std::unexpected(ran.error());
    return Fail(fmt::format("failed to validate: rc:{} error:{}", ran->rc, ran->stderr_data));
  }
  return host.Rename(tmp, path);
}

Expected<void> MakeMissingParents(Host& host, const std::string& path) {
  std::string parent = DirName(path);
  if (parent.empty() || parent == path) return {};
  auto info = host.Stat(parent);
  if (!info) return std::unexpected(info.error());
  if (info->exists()) return {};
  if (auto up = MakeMissingParents(host, parent); !up) return up;
  return host.MakeDirectory(parent, 0755);
}

Expected<Json> FinishTextEdit(ModuleContext& context, const std::string& path,
                              const std::optional<std::string>& before, const std::string& after,
                              std::string msg) {
  Host& host = context.Machine();
  Json result{{"changed", false}, {"msg", ""}};
  Json attr_diff = Json{{"before", {{"path", path}}}, {"after", {{"path", path}}}};
  bool content_changed = !before || *before != after;
  if (content_changed) {
    result["changed"] = true;
    result["msg"] = std::move(msg);
    if (context.diff) {
      result["diff"] = Json::array(
          {MakeDiff(path + " (content)", before.value_or(""), path + " (content)", after)});
    }
    if (!context.check) {
      if (before && context.Bool("backup")) {
        auto backup = BackupFile(host, path);
        if (!backup) return std::unexpected(backup.error());
        result["backup"] = *backup;
        result["backup_file"] = *backup;
      }
      // `create: true` makes the missing directories too, as Ansible's
      // lineinfile and blockinfile do.
      if (!before) {
        if (auto made = MakeMissingParents(host, path); !made) return std::unexpected(made.error());
      }
      auto info = host.Stat(path);
      if (!info) return std::unexpected(info.error());
      auto attrs = RequestedAttrs(context, info->exists() ? info->mode : 0644, false);
      if (!attrs) return std::unexpected(attrs.error());
      auto ok = WriteValidated(context, path, StringSource(after), *attrs);
      if (!ok) return std::unexpected(ok.error());
      return result;
    }
  }
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  auto attrs_changed = ApplyFileAttributes(context, path, *info, &attr_diff);
  if (!attrs_changed) return std::unexpected(attrs_changed.error());
  if (*attrs_changed && !content_changed) {
    result["changed"] = true;
    result["msg"] = "ownership, perms or SE linux context changed";
    if (context.diff) result["diff"] = attr_diff;
  }
  return result;
}

std::string ExpandUser(Host& host, const std::string& path) {
  if (path == "~" || path.starts_with("~/")) {
    return host.GetEnv("HOME").value_or("/") + path.substr(1);
  }
  return path;
}

}  // namespace tend
