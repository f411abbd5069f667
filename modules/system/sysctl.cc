// sysctl (ansible.posix): a key in a sysctl.conf file, optionally the
// running value too (sysctl -w) and a reload of the file (sysctl -p).

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <iterator>
#include <sstream>

#include "modules/framework/all.h"
#include "modules/framework/text.h"
#include "core/strings.h"

namespace tend {
namespace {

std::string Strip(std::string_view s) { return std::string(Trim(s, " \t\r\n")); }

bool IsSetting(const std::string& line) {
  return !line.empty() && line[0] != '#' && line[0] != ';' && line.find('=') != std::string::npos;
}

// Ansible's value normalisation: booleans become 1/0, strings are stripped.
std::string NormaliseValue(const ModuleContext& context) {
  auto it = context.args.find("value");
  if (it == context.args.end() || it->is_null()) return "";
  if (it->is_boolean()) return it->get<bool>() ? "1" : "0";
  std::string value = it->is_string() ? it->get<std::string>() : it->dump();
  std::string lower = value;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  for (const char* yes : {"y", "yes", "on", "1", "true", "t"})
    if (lower == yes) return "1";
  for (const char* no : {"n", "no", "off", "0", "false", "f"})
    if (lower == no) return "0";
  return Strip(value);
}

bool SameWords(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::vector<std::string> wa{std::istream_iterator<std::string>(x), {}};
  std::vector<std::string> wb{std::istream_iterator<std::string>(y), {}};
  return wa == wb;
}

struct SysctlFile {
  std::optional<std::string> value;  // the key's value in the file
  std::string rewritten;             // the file as Ansible rewrites it
};

// Every setting line normalised to "k=v", repeats of a key dropped, the
// managed key replaced (or removed, or appended).
SysctlFile FixLines(std::string_view content, const std::string& name, bool present,
                    const std::string& value) {
  SysctlFile out;
  std::set<std::string> seen;
  for (const auto& raw : SplitLines(content)) {
    std::string line = Strip(raw.get<std::string>());
    if (!IsSetting(line)) {
      out.rewritten += line + "\n";
      continue;
    }
    size_t eq = line.find('=');
    std::string k = Strip(line.substr(0, eq));
    std::string v = Strip(line.substr(eq + 1));
    if (k == name) out.value = v;
    if (!seen.insert(k).second) continue;
    if (k != name) {
      out.rewritten += k + "=" + v + "\n";
    } else if (present) {
      out.rewritten += k + "=" + value + "\n";
    }
  }
  if (!seen.contains(name) && present) out.rewritten += name + "=" + value + "\n";
  return out;
}

Expected<ProcessResult> Sysctl(Host& host, std::vector<std::string> args) {
  args.insert(args.begin(), "sysctl");
  return host.Run({.argv = std::move(args),
                   .stdin_data = {},
                   .cwd = {},
                   .env = {{"LANG", "C"}, {"LC_ALL", "C"}, {"LC_MESSAGES", "C"}}});
}

bool StderrFailed(const std::string& err) {
  return err.find("Invalid argument") != std::string::npos ||
         err.find("Read-only file system") != std::string::npos;
}

}  // namespace

const ModuleSpec& SysctlSpec() {
  static const ModuleSpec spec{
      .name = "sysctl",
      .short_description = "Manage entries in sysctl.conf",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true, .aliases = {"key"}},
               {.name = "value", .type = ArgType::kRaw, .aliases = {"val"}},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"present", "absent"}},
               {.name = "reload", .type = ArgType::kBool, .default_value = true},
               {.name = "sysctl_set", .type = ArgType::kBool, .default_value = false},
               {.name = "ignoreerrors", .type = ArgType::kBool, .default_value = false},
               {.name = "sysctl_file", .type = ArgType::kPath, .default_value = "/etc/sysctl.conf"}},
      .required_if = {{.arg = "state", .value = "present", .required = {"value"}}},
      .returns = {},
  };
  return spec;
}

Expected<Json> RunSysctl(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = Strip(context.Str("name"));
  bool present = context.Str("state") == "present";
  std::string value = NormaliseValue(context);
  if (name.empty()) return Fail("name cannot be blank");
  if (present && value.empty()) return Fail("value cannot be blank");
  std::string file = context.Str("sysctl_file", "/etc/sysctl.conf");
  bool ignore = context.Bool("ignoreerrors");

  auto proc = Sysctl(host, {"-e", "-n", name});
  if (!proc) return std::unexpected(proc.error());
  std::optional<std::string> proc_value;
  if (proc->rc == 0) proc_value = proc->stdout_data;
  auto content = host.ReadFile(file);
  auto fixed = FixLines(content ? *content : "", name, present, value);

  bool write = (present && fixed.value != value) || (!present && fixed.value && !fixed.value->empty());
  bool changed = write;
  bool set_proc = false;
  if (!write && present && context.Bool("reload")) {
    changed = !proc_value || !SameWords(*proc_value, value);
  }
  if (context.Bool("sysctl_set") && present) {
    if (!proc_value) changed = true;
    if (proc_value && !SameWords(*proc_value, value)) changed = set_proc = true;
  }
  if (context.check) return Json{{"changed", changed}};
  if (set_proc) {
    std::string setting = name + "=" + (value.find_first_of(" \t") != std::string::npos ? "\"" + value + "\"" : value);
    std::vector<std::string> args{"-w", setting};
    if (ignore) args.insert(args.begin(), "-e");
    auto set = Sysctl(host, args);
    if (!set) return std::unexpected(set.error());
    if (set->rc != 0 || StderrFailed(set->stderr_data)) {
      return Fail(fmt::format("setting {} failed: {}{}", name, set->stdout_data, set->stderr_data));
    }
  }
  if (write) {
    auto info = host.Stat(file);
    FileAttrs attrs{.mode = 0644, .uid = {}, .gid = {}};
    if (info && info->exists()) attrs = {.mode = info->mode & 07777, .uid = info->uid, .gid = info->gid};
    auto written = host.WriteFileAtomic(file, StringSource(fixed.rewritten), attrs);
    if (!written) return std::unexpected(written.error());
  }
  if (changed && context.Bool("reload")) {
    std::vector<std::string> args{"-p", file};
    if (ignore) args.insert(args.begin(), "-e");
    auto reloaded = Sysctl(host, args);
    if (!reloaded) return std::unexpected(reloaded.error());
    if (reloaded->rc != 0 || StderrFailed(reloaded->stderr_data)) {
      return Fail(fmt::format("Failed to reload sysctl: {}{}", reloaded->stdout_data,
                              reloaded->stderr_data));
    }
  }
  return Json{{"changed", changed}};
}

}  // namespace tend
