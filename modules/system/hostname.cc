// hostname: the running (kernel) name and the permanent one in /etc/hostname.
// The default strategy edits /etc/hostname and runs `hostname NAME`, which
// works with and without systemd; use=systemd goes through hostnamectl.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

constexpr const char* kKernelHostname = "/proc/sys/kernel/hostname";
constexpr const char* kHostnameFile = "/etc/hostname";

std::string FirstLine(std::string_view text) {
  std::string_view line = text.substr(0, text.find('\n'));
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
    line.remove_suffix(1);
  return std::string(line);
}

Expected<std::string> CurrentHostname(Host& host) {
  auto kernel = host.ReadFile(kKernelHostname);
  if (kernel) return FirstLine(*kernel);
  auto ran = host.Run({.argv = {"hostname"}, .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran) return std::unexpected(ran.error());
  return FirstLine(ran->stdout_data);
}

// The fully qualified name from /etc/hosts (the canonical name of the line
// that lists `name`), since the agent cannot ask the resolver.
std::string FqdnFromHosts(Host& host, const std::string& name) {
  auto hosts = host.ReadFile("/etc/hosts");
  if (!hosts) return name;
  for (const auto& line : SplitLines(*hosts)) {
    std::string text = line.get<std::string>();
    text = text.substr(0, text.find('#'));
    auto words = ShlexSplit(text);
    if (!words || words->size() < 2) continue;
    for (size_t i = 1; i < words->size(); ++i) {
      if ((*words)[i] == name || (*words)[i].starts_with(name + ".")) return (*words)[1];
    }
  }
  return name;
}

Expected<void> RunOrFail(Host& host, std::vector<std::string> argv) {
  std::string shown = fmt::format("{}", fmt::join(argv, " "));
  auto ran = host.Run({.argv = std::move(argv), .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("Command failed rc={}, out={}, err={}: {}", ran->rc,
                            StripTrailingNewlines(ran->stdout_data),
                            StripTrailingNewlines(ran->stderr_data), shown));
  }
  return {};
}

Expected<void> SetPermanent(Host& host, bool systemd, const std::string& name) {
  if (systemd) return RunOrFail(host, {"hostnamectl", "--static", "set-hostname", name});
  auto info = host.Stat(kHostnameFile);
  FileAttrs attrs{.mode = 0644, .uid = {}, .gid = {}};
  if (info && info->exists()) attrs = {.mode = info->mode & 07777, .uid = info->uid, .gid = info->gid};
  auto written = host.WriteFileAtomic(kHostnameFile, StringSource(name + "\n"), attrs);
  if (!written) return Fail(fmt::format("failed to update hostname: {}", written.error().message));
  return {};
}

Expected<void> SetCurrent(Host& host, bool systemd, const std::string& name) {
  if (systemd) return RunOrFail(host, {"hostnamectl", "--transient", "set-hostname", name});
  return RunOrFail(host, {"hostname", name});
}

}  // namespace

const ModuleSpec& HostnameSpec() {
  static const ModuleSpec spec{
      .name = "hostname",
      .short_description = "Manage hostname",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "use",
                .type = ArgType::kStr,
                .choices = {"alpine", "debian", "generic", "openrc", "redhat", "sles", "systemd"}}},
      .supports_diff = true,
      .returns = {"name", "ansible_facts", "diff"},
  };
  return spec;
}

Expected<Json> RunHostname(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = context.Str("name");
  if (name.empty() || name.find_first_of(" \t\n/") != std::string::npos) {
    return Fail(fmt::format("name: '{}' is not a valid hostname", name));
  }
  bool systemd = context.Str("use") == "systemd";
  auto current = CurrentHostname(host);
  if (!current) return std::unexpected(current.error());
  auto file = host.ReadFile(kHostnameFile);
  std::string permanent = file ? FirstLine(*file) : "";
  bool changed = *current != name || permanent != name;
  if (changed && !context.check) {
    if (*current != name) {
      auto set = SetCurrent(host, systemd, name);
      if (!set) return std::unexpected(set.error());
    }
    if (permanent != name) {
      auto set = SetPermanent(host, systemd, name);
      if (!set) return std::unexpected(set.error());
    }
  }
  std::string fqdn = FqdnFromHosts(host, name);
  size_t dot = fqdn.find('.');
  Json result{{"changed", changed},
              {"name", name},
              {"ansible_facts",
               {{"ansible_hostname", name.substr(0, name.find('.'))},
                {"ansible_nodename", name},
                {"ansible_fqdn", fqdn},
                {"ansible_domain", dot == std::string::npos ? "" : fqdn.substr(dot + 1)}}}};
  if (changed) {
    std::string before = *current != name ? *current : permanent;
    result["diff"] = {{"after", "hostname = " + name + "\n"},
                      {"before", "hostname = " + before + "\n"}};
  }
  return result;
}

}  // namespace tend
