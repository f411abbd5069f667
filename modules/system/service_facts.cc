// service_facts (ansible.builtin): ansible_facts.services from the init
// systems found on the host, as Ansible gathers them on Linux: SysV scripts
// through `service --status-all` (when `service` exists and neither chkconfig
// nor OpenRC does), then systemd units, which win for the same name. The
// upstart, chkconfig (old Red Hat) and OpenRC strategies are not reproduced.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/parsers/kernel_parse.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// Ansible runs these commands in the C locale so their output parses.
const std::map<std::string, std::string> kCLocale{{"LANG", "C"}, {"LC_ALL", "C"}};

Expected<ProcessResult> RunC(Host& host, std::vector<std::string> argv) {
  return host.Run({.argv = std::move(argv), .stdin_data = {}, .cwd = {}, .env = kCLocale});
}

// Ansible's get_bin_path: $PATH plus the sbin directories.
std::optional<std::string> FindProgram(Host& host, const std::string& name) {
  std::string path = host.GetEnv("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  path += ":/sbin:/usr/sbin:/usr/local/sbin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir =
        path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    start = colon == std::string::npos ? path.size() + 1 : colon + 1;
    if (dir.empty()) continue;
    std::string candidate = JoinPath(dir, name);
    auto info = host.Stat(candidate);
    if (info && info->kind == FileKind::kFile && (info->mode & 0111) != 0) return candidate;
  }
  return std::nullopt;
}

bool Exists(Host& host, const std::string& path) {
  auto info = host.Stat(path);
  return info && info->exists();
}

Expected<void> GatherSysv(Host& host, Json& services, Json& warnings) {
  auto service = FindProgram(host, "service");
  if (!service || FindProgram(host, "chkconfig") || FindProgram(host, "rc-status")) return {};
  auto ran = RunC(host, {*service, "--status-all"});
  if (!ran) return std::unexpected(ran.error());
  // `service` answers 4 when there are no init scripts at all.
  if (ran->rc == 4 && !Exists(host, "/etc/init.d")) return {};
  if (ran->rc != 0) {
    warnings.push_back(fmt::format("Unable to query 'service' tool ({}): {}", ran->rc,
                                   StripTrailingNewlines(ran->stderr_data)));
  }
  services.update(kernel::ParseStatusAll(ran->stdout_data));
  return {};
}

// sd_booted(): systemd is the running service manager.
bool SystemdBooted(Host& host) {
  for (const char* canary : {"/run/systemd/system", "/dev/.run/systemd", "/dev/.systemd"}) {
    auto info = host.Stat(canary);
    if (info && info->kind == FileKind::kDirectory) return true;
  }
  return false;
}

// A template ("getty@.service") is no unit systemctl can show: Ansible's
// query of it fails and reports "unknown".
bool IsTemplate(const std::string& unit) { return unit.find("@.") != std::string::npos; }

// ActiveState of units list-units did not show, asked in one `systemctl
// show` (Ansible asks each alone: ~40 ms a unit); should systemctl refuse the
// batch, each is asked alone and a refused one is "unknown", as in Ansible.
Expected<std::map<std::string, std::string>> ActiveStates(Host& host, const std::string& systemctl,
                                                          const std::vector<std::string>& units) {
  std::map<std::string, std::string> states;
  std::vector<std::string> asked;
  for (const auto& unit : units) {
    if (IsTemplate(unit)) states[unit] = "unknown";
    if (!IsTemplate(unit)) asked.push_back(unit);
  }
  if (asked.empty()) return states;
  std::vector<std::string> argv{systemctl, "show", "--property=ActiveState", "--"};
  argv.insert(argv.end(), asked.begin(), asked.end());
  auto all = RunC(host, argv);
  if (!all) return std::unexpected(all.error());
  auto parsed = kernel::ParseActiveStates(all->stdout_data, asked.size());
  if (all->rc == 0 && parsed) {
    for (size_t i = 0; i < asked.size(); ++i) states[asked[i]] = (*parsed)[i];
    return states;
  }
  for (const auto& unit : asked) {
    auto one = RunC(host, {systemctl, "show", unit, "--property=ActiveState"});
    if (!one) return std::unexpected(one.error());
    auto state = kernel::ParseActiveStates(one->stdout_data, 1);
    states[unit] = one->rc == 0 && state ? state->front() : "unknown";
  }
  return states;
}

Expected<void> AddUnitFiles(Host& host, const std::string& systemctl, Json& services,
                            Json& warnings) {
  auto ran = RunC(host, {systemctl, "list-unit-files", "--type=service", "--no-pager", "--plain",
                         "--no-legend"});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    warnings.push_back(fmt::format("Could not get unit files data from systemd: {}",
                                   StripTrailingNewlines(ran->stderr_data)));
    return {};
  }
  std::vector<std::pair<std::string, std::string>> unlisted;
  for (const auto& [unit, status] : kernel::ParseListUnitFiles(ran->stdout_data)) {
    if (status.empty()) {
      return Fail(
          fmt::format("Malformed output discovered from systemd list-unit-files: {}", unit));
    }
    if (!services.contains(unit)) {
      unlisted.emplace_back(unit, status);
    } else if (!kernel::BadUnitStatus(services[unit]["status"].get<std::string>())) {
      services[unit]["status"] = status;
    }
  }
  if (unlisted.empty()) return {};
  std::vector<std::string> units;
  for (const auto& row : unlisted) units.push_back(row.first);
  auto states = ActiveStates(host, systemctl, units);
  if (!states) return std::unexpected(states.error());
  for (const auto& [unit, status] : unlisted) {
    services[unit] = {
        {"name", unit}, {"state", states->at(unit)}, {"status", status}, {"source", "systemd"}};
  }
  return {};
}

Expected<void> GatherSystemd(Host& host, Json& services, Json& warnings) {
  auto systemctl = FindProgram(host, "systemctl");
  if (!systemctl || !SystemdBooted(host)) return {};
  auto ran = RunC(host, {*systemctl, "list-units", "--type=service", "--all", "--no-pager",
                         "--plain", "--no-legend"});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    warnings.push_back(fmt::format("Could not list units from systemd: {}",
                                   StripTrailingNewlines(ran->stderr_data)));
  } else {
    services.update(kernel::ParseListUnits(ran->stdout_data));
  }
  return AddUnitFiles(host, *systemctl, services, warnings);
}

}  // namespace

const ModuleSpec& ServiceFactsSpec() {
  static const ModuleSpec spec{
      .name = "service_facts",
      .short_description = "Return service state information as fact data",
      .args = {},
      .returns = {"ansible_facts"},
  };
  return spec;
}

Expected<Json> RunServiceFacts(ModuleContext& context) {
  Host& host = context.Machine();
  Json services = Json::object();
  Json warnings = Json::array();
  auto sysv = GatherSysv(host, services, warnings);
  if (!sysv) return std::unexpected(sysv.error());
  auto systemd = GatherSystemd(host, services, warnings);
  if (!systemd) return std::unexpected(systemd.error());
  Json result{{"changed", false}};
  if (services.empty()) {
    result["skipped"] = true;
    result["msg"] =
        "Failed to find any services. This can be due to privileges or some other configuration "
        "issue.";
  } else {
    result["ansible_facts"] = {{"services", std::move(services)}};
  }
  if (!warnings.empty()) result["warnings"] = std::move(warnings);
  return result;
}

}  // namespace tend
