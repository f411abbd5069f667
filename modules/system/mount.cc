// mount (ansible.posix.mount) on Linux: the fstab entry is edited natively
// (other lines kept byte for byte, written atomically), mounts are changed
// with mount/umount, and whether a path is mounted is read from
// /proc/self/mountinfo.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"
#include "modules/parsers/tools_parse.h"
#include "core/mount_table.h"

namespace tend {
namespace {

constexpr const char* kDefaultFstab = "/etc/fstab";

// The module's `args` dict: what goes into fstab and what is returned.
struct MountArgs {
  tools::FstabEntry entry;
  std::string fstab = kDefaultFstab;
  std::string boot = "yes";
  bool has_src = false;
  std::string backup_file;
  std::vector<std::string> warnings;

  std::optional<std::string> Src() const {
    return has_src ? std::optional<std::string>(entry.src) : std::nullopt;
  }
};

MountArgs ReadArgs(ModuleContext& context) {
  MountArgs a;
  a.entry.name = context.Str("path");
  a.has_src = context.Has("src");
  a.entry.src = context.Str("src");
  a.entry.fstype = context.Str("fstype");
  if (context.Has("opts")) a.entry.opts = context.Str("opts");
  if (context.Has("dump")) a.entry.dump = context.Str("dump");
  if (context.Has("passno")) a.entry.passno = context.Str("passno");
  if (context.Has("fstab")) a.fstab = context.Str("fstab");
  // boot=no is `noauto`; an explicit noauto wins over boot=yes.
  bool noauto = false;
  for (size_t start = 0; start <= a.entry.opts.size();) {
    size_t comma = a.entry.opts.find(',', start);
    noauto = noauto || a.entry.opts.substr(start, comma - start) == "noauto";
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (context.Bool("boot", true) && noauto) {
    a.warnings.push_back("Ignore the 'boot' due to 'opts' contains 'noauto'.");
  } else if (!context.Bool("boot", true)) {
    a.boot = "no";
    a.entry.opts += ",noauto";
  }
  return a;
}

Json ArgsJson(const MountArgs& a) {
  Json out{{"name", a.entry.name},        {"opts", a.entry.opts}, {"dump", a.entry.dump},
           {"passno", a.entry.passno},    {"fstab", a.fstab},     {"boot", a.boot},
           {"backup_file", a.backup_file}};
  if (a.has_src) out["src"] = a.entry.src;
  if (!a.entry.fstype.empty()) out["fstype"] = a.entry.fstype;
  return out;
}

// Mount points now (mountinfo; /proc/mounts when that is missing).
std::map<std::string, tools::MountPoint> CurrentMounts(Host& host) {
  if (auto info = host.ReadFile("/proc/self/mountinfo")) return tools::ParseMountinfo(*info);
  std::map<std::string, tools::MountPoint> out;
  if (auto mounts = host.ReadFile("/proc/mounts")) {
    for (auto& m : ParseProcMounts(*mounts)) out[m.mount_point] = {m.source, m.options, m.fs_type, m.source};
  }
  return out;
}

std::vector<std::string> FstabOption(const MountArgs& a) {
  if (a.fstab == kDefaultFstab) return {};
  return {"-T", a.fstab};
}

// mount/umount as Ansible runs them; rc and output when they fail.
struct Outcome {
  int rc = 0;
  std::string msg;
};

Expected<Outcome> RunMountCommand(Host& host, std::vector<std::string> argv) {
  auto ran = host.Run(tools::CLocale(std::move(argv)));
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc == 0) return Outcome{};
  return Outcome{ran->rc, ran->stdout_data + ran->stderr_data};
}

Expected<Outcome> Mount(ModuleContext& context, const MountArgs& a) {
  std::vector<std::string> argv{"mount"};
  if (context.Str("state") == "ephemeral") {
    argv.insert(argv.end(), {"-t", a.entry.fstype});
    if (a.entry.opts != "defaults") argv.insert(argv.end(), {"-o", a.entry.opts});
    argv.push_back(a.entry.src);
  } else {
    for (auto& o : FstabOption(a)) argv.push_back(o);
  }
  argv.push_back(a.entry.name);
  return RunMountCommand(context.Machine(), argv);
}

Expected<Outcome> Umount(Host& host, const std::string& path) {
  return RunMountCommand(host, {"umount", path});
}

// `mount -o remount`, falling back to umount + mount when that fails.
Expected<Outcome> Remount(ModuleContext& context, const MountArgs& a) {
  std::string state = context.Str("state");
  bool with_opts = state == "remounted" && a.entry.opts != "defaults";
  std::vector<std::string> argv{"mount", "-o", with_opts ? "remount," + a.entry.opts : "remount"};
  if (state == "ephemeral") {
    argv.insert(argv.end(), {"-t", a.entry.fstype});
    if (a.entry.opts != "defaults") argv.insert(argv.end(), {"-o", a.entry.opts});
    argv.push_back(a.entry.src);
  } else {
    for (auto& o : FstabOption(a)) argv.push_back(o);
  }
  argv.push_back(a.entry.name);
  auto first = RunMountCommand(context.Machine(), argv);
  if (!first || first->rc == 0) return first;
  if (with_opts) {
    return Fail(
        "Options were specified with remounted, but the remount command failed. Failing "
        "in order to prevent an unexpected mount result. Try replacing this command with "
        "a \"state: unmounted\" followed by a \"state: mounted\" using the full desired "
        "mount options instead.");
  }
  auto down = Umount(context.Machine(), a.entry.name);
  if (!down || down->rc != 0) return down;
  return Mount(context, a);
}

// A missing fstab is created empty (mostly for a custom `fstab`).
Expected<std::string> ReadFstab(ModuleContext& context, const MountArgs& a) {
  Host& host = context.Machine();
  auto info = host.Stat(a.fstab);
  if (!info) return std::unexpected(info.error());
  if (info->exists()) return host.ReadFile(a.fstab);
  if (context.check) return std::string();
  std::vector<std::string> missing;
  for (std::string d = DirName(a.fstab); d != "/" && d != "."; d = DirName(d)) {
    auto dir = host.Stat(d);
    if (!dir || dir->exists()) break;
    missing.insert(missing.begin(), d);
  }
  for (const auto& d : missing) {
    if (auto ok = host.MakeDirectory(d, 0755); !ok) return std::unexpected(ok.error());
  }
  auto made = host.WriteFileAtomic(a.fstab, StringSource(""), {.mode = 0644, .uid = {}, .gid = {}});
  if (!made) return Fail(fmt::format("Failed to open {} due to {}", a.fstab, made.error().message));
  return std::string();
}

// Writes the new fstab with the old one's mode and owner (after a backup
// when asked).
Expected<void> WriteFstab(ModuleContext& context, MountArgs& a, const std::string& text,
                          bool backup) {
  Host& host = context.Machine();
  auto info = host.Stat(a.fstab);
  if (!info) return std::unexpected(info.error());
  if (backup && context.Bool("backup") && info->exists()) {
    auto made = BackupFile(host, a.fstab);
    if (!made) return std::unexpected(made.error());
    a.backup_file = *made;
  }
  FileAttrs attrs{.mode = info->exists() ? info->mode : 0644u, .uid = {}, .gid = {}};
  if (info->exists()) {
    attrs.uid = info->uid;
    attrs.gid = info->gid;
  }
  return host.WriteFileAtomic(a.fstab, StringSource(text), attrs);
}

// Sets (or removes) the entry; returns whether fstab changed and the old text.
Expected<bool> EditFstab(ModuleContext& context, MountArgs& a, bool set, std::string* old) {
  auto text = ReadFstab(context, a);
  if (!text) return std::unexpected(text.error());
  if (old) *old = *text;
  tools::FstabEdit edit = set ? tools::SetFstabEntry(*text, a.entry)
                              : tools::UnsetFstabEntry(*text, a.entry.name, a.Src());
  if (!edit.changed || context.check) return edit.changed;
  if (auto ok = WriteFstab(context, a, edit.text, true); !ok) return std::unexpected(ok.error());
  return true;
}

bool IsMounted(Host& host, const std::string& path) { return CurrentMounts(host).contains(path); }

// mkdir -p for the mount point, remembering what it made (removed again
// when mounting fails).
Expected<std::vector<std::string>> MakeMountPoint(Host& host, const std::string& path) {
  std::vector<std::string> missing;
  for (std::string d = path; d != "/" && d != "."; d = DirName(d)) {
    auto info = host.Stat(d);
    if (!info) return std::unexpected(info.error());
    if (info->exists()) break;
    missing.insert(missing.begin(), d);
  }
  for (const auto& d : missing) {
    if (auto ok = host.MakeDirectory(d, 0755); !ok) {
      return Fail(fmt::format("Error making dir {}: {}", path, ok.error().message));
    }
  }
  return missing;
}

Expected<bool> StateAbsent(ModuleContext& context, MountArgs& a) {
  Host& host = context.Machine();
  auto changed = EditFstab(context, a, false, nullptr);
  if (!changed) return changed;
  std::string state = context.Str("state");
  if (!*changed || context.check || state == "absent_from_fstab") return changed;
  if (IsMounted(host, a.entry.name)) {
    auto down = Umount(host, a.entry.name);
    if (!down) return std::unexpected(down.error());
    if (down->rc != 0) return Fail(fmt::format("Error unmounting {}: {}", a.entry.name, down->msg));
  }
  auto info = host.Stat(a.entry.name);
  if (state == "absent" && info && info->exists()) {
    if (auto ok = host.Remove(a.entry.name); !ok) {
      return Fail(fmt::format("Error rmdir {}: {}", a.entry.name, ok.error().message));
    }
  }
  return true;
}

Expected<bool> StateUnmounted(ModuleContext& context, const MountArgs& a) {
  Host& host = context.Machine();
  if (!IsMounted(host, a.entry.name)) return false;
  if (context.check) return true;
  auto down = Umount(host, a.entry.name);
  if (!down) return std::unexpected(down.error());
  if (down->rc != 0) return Fail(fmt::format("Error unmounting {}: {}", a.entry.name, down->msg));
  return true;
}

// ephemeral must not take over a mount point something else is mounted on:
// the source is the mount's own (what `mount -v` shows) or, for a bind
// mount, the bound directory.
Expected<void> CheckSameSource(Host& host, const MountArgs& a) {
  auto mounts = CurrentMounts(host);
  auto it = mounts.find(a.entry.name);
  if (it != mounts.end() && (it->second.src == a.entry.src || it->second.bind_src == a.entry.src)) {
    return {};
  }
  return Fail(
      "Ephemeral mount point is already mounted with a different source than the "
      "specified one. Failing in order to prevent an unwanted unmount or override "
      "operation. Try replacing this command with a \"state: unmounted\" followed by a "
      "\"state: ephemeral\", or use a different destination path.");
}

Expected<bool> StateMounted(ModuleContext& context, MountArgs& a) {
  Host& host = context.Machine();
  bool ephemeral = context.Str("state") == "ephemeral";
  std::vector<std::string> made;
  if (!context.check) {
    auto dirs = MakeMountPoint(host, a.entry.name);
    if (!dirs) return std::unexpected(dirs.error());
    made = *dirs;
  }
  std::string old;
  bool changed = false;
  if (!ephemeral) {
    auto edited = EditFstab(context, a, true, &old);
    if (!edited) return edited;
    changed = *edited;
  }
  Expected<Outcome> outcome = Outcome{};
  if (IsMounted(host, a.entry.name)) {
    if (ephemeral) {
      if (auto ok = CheckSameSource(host, a); !ok) return std::unexpected(ok.error());
    }
    // A changed entry takes effect by remounting; ephemeral always remounts.
    if ((changed || ephemeral) && !context.check) outcome = Remount(context, a);
    changed = changed || ephemeral;
  } else {
    changed = true;
    if (!context.check) outcome = Mount(context, a);
  }
  if (!outcome) return std::unexpected(outcome.error());
  if (outcome->rc == 0) return changed;
  // A broken fstab entry could stop the next boot: put the old file back.
  if (!ephemeral) (void)WriteFstab(context, a, old, false);
  for (auto it = made.rbegin(); it != made.rend(); ++it) (void)host.Remove(*it);
  return Fail(fmt::format("Error mounting {}: {}", a.entry.name, outcome->msg));
}

Expected<bool> StateRemounted(ModuleContext& context, const MountArgs& a) {
  if (context.check) return true;
  auto outcome = Remount(context, a);
  if (!outcome) return std::unexpected(outcome.error());
  if (outcome->rc != 0) {
    return Fail(fmt::format("Error remounting {}: {}", a.entry.name, outcome->msg));
  }
  return true;
}

}  // namespace

const ModuleSpec& MountSpec() {
  static const ModuleSpec spec{
      .name = "mount",
      .short_description = "Control active and configured mount points",
      .args =
          {
              {.name = "path", .type = ArgType::kPath, .required = true, .aliases = {"name"}},
              {.name = "src", .type = ArgType::kPath},
              {.name = "fstype", .type = ArgType::kStr},
              {.name = "opts", .type = ArgType::kStr},
              {.name = "opts_no_log", .type = ArgType::kBool, .default_value = false},
              {.name = "dump", .type = ArgType::kStr, .default_value = "0"},
              {.name = "passno", .type = ArgType::kStr, .default_value = "0"},
              {.name = "state",
               .type = ArgType::kStr,
               .required = true,
               .choices = {"absent", "absent_from_fstab", "absent_mount", "mounted", "present",
                           "unmounted", "remounted", "ephemeral"}},
              {.name = "fstab", .type = ArgType::kStr},
              {.name = "boot", .type = ArgType::kBool, .default_value = true},
              {.name = "backup", .type = ArgType::kBool, .default_value = false},
          },
      .required_if = {{"state", "mounted", {"src", "fstype"}},
                      {"state", "present", {"src", "fstype"}},
                      {"state", "ephemeral", {"src", "fstype"}}},
      .returns = {"name", "src", "fstype", "opts", "dump", "passno", "fstab", "boot",
                  "backup_file"},
  };
  return spec;
}

Expected<Json> RunMount(ModuleContext& context) {
  MountArgs args = ReadArgs(context);
  std::string state = context.Str("state");
  Expected<bool> changed = false;
  if (state == "absent" || state == "absent_mount" || state == "absent_from_fstab") {
    changed = StateAbsent(context, args);
  } else if (state == "unmounted") {
    changed = StateUnmounted(context, args);
  } else if (state == "mounted" || state == "ephemeral") {
    changed = StateMounted(context, args);
  } else if (state == "present") {
    changed = EditFstab(context, args, true, nullptr);
  } else {
    changed = StateRemounted(context, args);
  }
  if (!changed) return std::unexpected(changed.error());
  Json result = ArgsJson(args);
  result["changed"] = *changed;
  if (!args.warnings.empty()) result["warnings"] = tools::StringArray(args.warnings);
  return result;
}

}  // namespace tend
