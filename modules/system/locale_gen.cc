// locale_gen (community.general): glibc's /etc/locale.gen edited natively
// (the locale's line uncommented or commented) and `locale-gen` run; where
// locale.gen is missing, Ubuntu's legacy /var/lib/locales/supported.d. A
// locale is present when `locale -a` lists it, as Ansible decides.

#include <fmt/format.h>

#include <set>

#include "modules/framework/all.h"
#include "modules/parsers/kernel_parse.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

constexpr const char* kLocaleGen = "/etc/locale.gen";
constexpr const char* kLegacyDir = "/var/lib/locales/supported.d";
constexpr const char* kLegacyLocal = "/var/lib/locales/supported.d/local";
constexpr const char* kSupported = "/usr/share/i18n/SUPPORTED";

std::vector<std::string> Names(const ModuleContext& context) {
  std::vector<std::string> names;
  for (const auto& name : context.args["name"]) names.push_back(name.get<std::string>());
  return names;
}

bool Exists(Host& host, const char* path) {
  auto info = host.Stat(path);
  return info && info->exists();
}

Expected<std::string> Mechanism(Host& host) {
  if (Exists(host, kLocaleGen)) return "glibc";
  if (Exists(host, kLegacyDir)) return "ubuntu_legacy";
  return Fail(fmt::format("{} and {} are missing. Is the package \"locales\" installed?",
                          kLegacyDir, kLocaleGen));
}

// The locales `locale -a` lists, in the spelling users write.
Expected<std::set<std::string>> Installed(Host& host) {
  auto ran = host.Run({.argv = {"locale", "-a"},
                       .stdin_data = {},
                       .cwd = {},
                       .env = {{"LANG", "C"}, {"LC_ALL", "C"}}});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("locale -a failed (rc={}): {}", ran->rc,
                            StripTrailingNewlines(ran->stderr_data)));
  }
  std::set<std::string> installed;
  for (const auto& line : SplitLines(ran->stdout_data)) {
    installed.insert(kernel::NormaliseLocale(line.get<std::string>()));
  }
  return installed;
}

bool IsInstalled(const std::set<std::string>& installed, const std::string& name) {
  return installed.contains(kernel::NormaliseLocale(name));
}

// Every requested locale must be one glibc knows (SUPPORTED) or one already
// built (C.UTF-8 is built in and listed nowhere).
Expected<void> AssertAvailable(Host& host, const std::vector<std::string>& names,
                               const std::set<std::string>& installed) {
  auto supported = host.ReadFile(kSupported);
  std::set<std::string> available;
  for (const auto& line : kernel::LinesWithEnds(supported ? *supported : "")) {
    if (auto locale = kernel::AvailableLocale(line)) available.insert(*locale);
  }
  std::vector<std::string> missing;
  for (const auto& name : names) {
    if (!available.contains(name) && !IsInstalled(installed, name)) missing.push_back(name);
  }
  if (missing.empty()) return {};
  return Fail(
      fmt::format("The following locales you have entered are not available on your system: {}",
                  fmt::join(missing, ", ")));
}

// Names whose state differs from the wanted one.
std::vector<std::string> ToChange(const std::vector<std::string>& names,
                                  const std::set<std::string>& installed, bool present) {
  std::vector<std::string> out;
  for (const auto& name : names) {
    if (IsInstalled(installed, name) != present) out.push_back(name);
  }
  return out;
}

Expected<void> LocaleGen(Host& host, std::vector<std::string> args) {
  args.insert(args.begin(), "locale-gen");
  auto ran = host.Run({.argv = args, .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc == 0) return {};
  return Fail(fmt::format("{} failed (rc={}): {}", fmt::join(args, " "), ran->rc,
                          StripTrailingNewlines(ran->stderr_data + ran->stdout_data)));
}

Expected<void> WriteKeepingAttrs(Host& host, const std::string& path, const std::string& content) {
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  FileAttrs attrs{.mode = 0644, .uid = {}, .gid = {}};
  if (info->exists()) attrs = {.mode = info->mode & 07777, .uid = info->uid, .gid = info->gid};
  return host.WriteFileAtomic(path, StringSource(content), attrs);
}

// A locale.gen without a line for the locale cannot be enabled by editing
// it: say so rather than run locale-gen for nothing (Ansible reports ok and
// leaves the locale missing).
Expected<void> RequireLines(const std::string& content, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (!kernel::HasLocaleLine(content, name)) {
      return Fail(fmt::format("{} has no line for {} to enable; add \"{} <charset>\" to it first",
                              kLocaleGen, name, name));
    }
  }
  return {};
}

std::string EditLocaleGen(const std::string& content, const std::vector<std::string>& names,
                          bool enable) {
  auto lines = kernel::LinesWithEnds(content);
  for (auto& line : lines) {
    for (const auto& name : names) line = kernel::SetLocaleLine(line, name, enable);
  }
  return kernel::JoinLines(lines);
}

// Ansible edits the lines of every requested locale, then regenerates.
Expected<void> ApplyGlibc(Host& host, const std::string& content,
                          const std::vector<std::string>& names, bool present) {
  std::string edited = EditLocaleGen(content, names, present);
  if (edited != content) {
    auto written = WriteKeepingAttrs(host, kLocaleGen, edited);
    if (!written) return written;
  }
  return LocaleGen(host, {});
}

// Ubuntu's patched locale-gen records a named locale in supported.d/local
// itself; removing one means dropping it there and regenerating the rest.
Expected<void> ApplyLegacy(Host& host, const std::vector<std::string>& names, bool present) {
  if (present) return LocaleGen(host, names);
  auto content = host.ReadFile(kLegacyLocal);
  if (!content) return std::unexpected(content.error());
  std::set<std::string> drop(names.begin(), names.end());
  std::string kept;
  for (const auto& line : kernel::LinesWithEnds(*content)) {
    auto words = kernel::Words(line);
    if (!words.empty() && drop.contains(words[0])) continue;
    kept += line;
  }
  if (kept != *content) {
    auto written = WriteKeepingAttrs(host, kLegacyLocal, kept);
    if (!written) return written;
  }
  return LocaleGen(host, {"--purge"});
}

}  // namespace

const ModuleSpec& LocaleGenSpec() {
  static const ModuleSpec spec{
      .name = "locale_gen",
      .short_description = "Creates or removes locales",
      .args = {{.name = "name", .type = ArgType::kList, .required = true},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}}},
      .returns = {"name", "mechanism", "ubuntu_mode"},
  };
  return spec;
}

Expected<Json> RunLocaleGen(ModuleContext& context) {
  Host& host = context.Machine();
  std::vector<std::string> names = Names(context);
  if (names.empty()) return Fail("name: at least one locale is required");
  bool present = context.Str("state") == "present";
  auto mechanism = Mechanism(host);
  if (!mechanism) return std::unexpected(mechanism.error());
  auto installed = Installed(host);
  if (!installed) return std::unexpected(installed.error());
  auto available = AssertAvailable(host, names, *installed);
  if (!available) return std::unexpected(available.error());

  bool glibc = *mechanism == "glibc";
  auto changing = ToChange(names, *installed, present);
  std::string content;
  if (glibc && !changing.empty()) {
    auto read = host.ReadFile(kLocaleGen);
    if (!read) return std::unexpected(read.error());
    content = std::move(*read);
    if (present) {
      auto lines = RequireLines(content, changing);
      if (!lines) return std::unexpected(lines.error());
    }
  }
  Json result{{"changed", !changing.empty()},
              {"name", context.args["name"]},
              {"mechanism", *mechanism},
              {"ubuntu_mode", !glibc}};
  if (changing.empty() || context.check) return result;
  auto applied =
      glibc ? ApplyGlibc(host, content, names, present) : ApplyLegacy(host, names, present);
  if (!applied) return std::unexpected(applied.error());
  return result;
}

}  // namespace tend
