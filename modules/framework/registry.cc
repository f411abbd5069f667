#include "modules/framework/registry.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "core/suggest.h"
#include "modules/framework/all.h"

namespace tend {
namespace {

// The registration list: one line per name a task may use. Agent modules
// come first, in the order the agent announces them.
const std::vector<ActionEntry>& Table() {
  static const std::vector<ActionEntry> table{
      {"ping", kAgentModule, {PingSpec, RunPing}},
      {"async_status", kAgentModule, {AsyncStatusSpec, RunAsyncStatus}},
      {"setup", kAgentModule | kControllerHalf, {SetupSpec, RunSetup}},
      {"command", kAgentModule, {CommandSpec, RunCommand}},
      {"shell", kAgentModule, {ShellSpec, RunShell}},
      {"raw", kAgentModule, {RawSpec, RunRaw}},
      {"script", kAgentModule, {ScriptSpec, RunScript}},
      {"stat", kAgentModule, {StatSpec, RunStat}},
      {"file", kAgentModule, {FileSpec, RunFile}},
      {"copy", kAgentModule | kControllerHalf, {CopySpec, RunCopy}},
      {"template", kAgentModule | kControllerHalf, {TemplateSpec, RunTemplate}},
      {"lineinfile", kAgentModule, {LineinfileSpec, RunLineinfile}},
      {"blockinfile", kAgentModule, {BlockinfileSpec, RunBlockinfile}},
      {"replace", kAgentModule, {ReplaceSpec, RunReplace}},
      {"slurp", kAgentModule, {SlurpSpec, RunSlurp}},
      {"user", kAgentModule, {UserSpec, RunUser}},
      {"group", kAgentModule, {GroupSpec, RunGroup}},
      // Files, more (find, tempfile, assemble, ini_file)
      {"find", kAgentModule, {FindSpec, RunFind}},
      {"tempfile", kAgentModule, {TempfileSpec, RunTempfile}},
      {"assemble", kAgentModule | kControllerHalf, {AssembleSpec, RunAssemble}},
      {"ini_file", kAgentModule, {IniFileSpec, RunIniFile}},
      // Archives, checkouts, mounts, debconf
      {"unarchive", kAgentModule | kControllerHalf, {UnarchiveSpec, RunUnarchive}},
      {"git", kAgentModule, {GitSpec, RunGit}},
      {"mount", kAgentModule, {MountSpec, RunMount}},
      {"debconf", kAgentModule, {DebconfSpec, RunDebconf}},
      // Kernel, locales and service facts
      {"locale_gen", kAgentModule, {LocaleGenSpec, RunLocaleGen}},
      {"modprobe", kAgentModule, {ModprobeSpec, RunModprobe}},
      {"kernel_blacklist", kAgentModule, {KernelBlacklistSpec, RunKernelBlacklist}},
      {"service_facts", kAgentModule, {ServiceFactsSpec, RunServiceFacts}},
      // Packages (apt family)
      {"apt", kAgentModule, {AptSpec, RunApt}},
      {"package", kAgentModule, {PackageSpec, RunPackage}},
      {"apt_repository", kAgentModule, {AptRepositorySpec, RunAptRepository}},
      {"deb822_repository", kAgentModule, {Deb822RepositorySpec, RunDeb822Repository}},
      {"apt_key", kAgentModule, {AptKeySpec, RunAptKey}},
      {"dpkg_selections", kAgentModule, {DpkgSelectionsSpec, RunDpkgSelections}},
      {"package_facts", kAgentModule, {PackageFactsSpec, RunPackageFacts}},
      // System (services, keys, time, kernel settings)
      {"systemd_service", kAgentModule, {SystemdServiceSpec, RunSystemdService}},
      {"systemd", kAgentModule, {SystemdSpec, RunSystemd}},
      {"service", kAgentModule, {ServiceSpec, RunService}},
      {"authorized_key", kAgentModule, {AuthorizedKeySpec, RunAuthorizedKey}},
      {"timezone", kAgentModule, {TimezoneSpec, RunTimezone}},
      {"hostname", kAgentModule, {HostnameSpec, RunHostname}},
      {"sysctl", kAgentModule, {SysctlSpec, RunSysctl}},
      {"getent", kAgentModule, {GetentSpec, RunGetent}},
      {"cron", kAgentModule, {CronSpec, RunCron}},
      // Network, Python and PostgreSQL
      {"wait_for", kAgentModule, {WaitForSpec, RunWaitFor}},
      {"uri", kAgentModule, {UriSpec, RunUri}},
      {"get_url", kAgentModule, {GetUrlSpec, RunGetUrl}},
      {"pip", kAgentModule, {PipSpec, RunPip}},
      {"postgresql_db", kAgentModule, {PostgresqlDbSpec, RunPostgresqlDb}},
      {"postgresql_user", kAgentModule, {PostgresqlUserSpec, RunPostgresqlUser}},
      {"postgresql_query", kAgentModule, {PostgresqlQuerySpec, RunPostgresqlQuery}},
      {"postgresql_privs", kAgentModule, {PostgresqlPrivsSpec, RunPostgresqlPrivs}},
      // Docker
      {"docker_image", kAgentModule, {DockerImageSpec, RunDockerImage}},
      {"docker_container", kAgentModule, {DockerContainerSpec, RunDockerContainer}},
      {"docker_network", kAgentModule, {DockerNetworkSpec, RunDockerNetwork}},
      {"docker_volume", kAgentModule, {DockerVolumeSpec, RunDockerVolume}},
      // The controller's own actions. fetch has no module of its own: its
      // controller half calls stat and slurp.
      {"fetch", kControllerHalf},
      {"gather_facts", kControllerHalf},
      {"debug", kControllerAction},
      {"set_fact", kControllerAction},
      {"assert", kControllerAction},
      {"fail", kControllerAction},
      {"meta", kControllerAction},
      {"pause", kControllerAction},
      {"add_host", kControllerAction},
      {"group_by", kControllerAction},
      {"set_stats", kControllerAction},
      {"include_vars", kControllerAction | kInclude},
      {"include_tasks", kControllerAction | kInclude},
      {"import_tasks", kControllerAction | kInclude},
      {"include_role", kControllerAction | kInclude},
      {"import_role", kControllerAction | kInclude},
      {"import_playbook", kControllerAction | kInclude},
  };
  return table;
}

// Collections whose modules tend implements under their short names
// (docs/ansible-compat.md, "Names").
constexpr std::array<std::string_view, 8> kCollectionPrefixes{
    "ansible.builtin.",  "ansible.legacy.",       "ansible.posix.",    "community.general.",
    "community.docker.", "community.postgresql.", "community.crypto.", "ansible.utils.",
};

// Ansible's redirects of old names to the ones tend registers.
constexpr std::array<std::pair<std::string_view, std::string_view>, 1> kRedirects{{
    {"include", "include_tasks"},
}};

}  // namespace

std::span<const ActionEntry> Actions() { return Table(); }

const ActionEntry* FindAction(std::string_view canonical) {
  for (const auto& entry : Table()) {
    if (entry.name == canonical) return &entry;
  }
  return nullptr;
}

std::vector<std::string> ModuleNames() {
  std::vector<std::string> names;
  for (const auto& entry : Table()) {
    if (entry.Has(kAgentModule)) names.emplace_back(entry.name);
  }
  return names;
}

std::string CanonicalModuleName(std::string_view name) {
  for (std::string_view prefix : kCollectionPrefixes) {
    if (name.starts_with(prefix)) {
      name.remove_prefix(prefix.size());
      break;
    }
  }
  for (const auto& [from, to] : kRedirects) {
    if (name == from) return std::string(to);
  }
  return std::string(name);
}

const Module* FindModule(std::string_view name) {
  const ActionEntry* entry = FindAction(CanonicalModuleName(name));
  return entry && entry->Has(kAgentModule) ? &entry->module : nullptr;
}

const ModuleSpec* FindModuleSpec(std::string_view name) {
  const Module* m = FindModule(name);
  return m ? &m->spec() : nullptr;
}

Expected<Json> ValidateModuleArgs(std::string_view module, const Json& args) {
  const ModuleSpec* spec = FindModuleSpec(module);
  if (!spec) {
    return Fail(fmt::format("couldn't resolve module '{}'{}", module,
                            SuggestionSuffix(CanonicalModuleName(module), ModuleNames())));
  }
  return ValidateArgs(*spec, args);
}

}  // namespace tend
