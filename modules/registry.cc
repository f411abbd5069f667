#include "modules/registry.h"

#include <fmt/format.h>

#include <array>
#include <utility>

#include "core/suggest.h"
#include "modules/all.h"

namespace tend {
namespace {

// The registration list: one line per module.
const std::vector<Module>& Modules() {
  static const std::vector<Module> modules{
      {PingSpec, RunPing},
      {SetupSpec, RunSetup},
      {CommandSpec, RunCommand},
      {ShellSpec, RunShell},
      {RawSpec, RunRaw},
      {ScriptSpec, RunScript},
      {StatSpec, RunStat},
      {FileSpec, RunFile},
      {CopySpec, RunCopy},
      {TemplateSpec, RunTemplate},
      {LineinfileSpec, RunLineinfile},
      {BlockinfileSpec, RunBlockinfile},
      {ReplaceSpec, RunReplace},
      {SlurpSpec, RunSlurp},
      {UserSpec, RunUser},
      {GroupSpec, RunGroup},
      // Files, more (find, tempfile, assemble, ini_file)
      {FindSpec, RunFind},
      {TempfileSpec, RunTempfile},
      {AssembleSpec, RunAssemble},
      {IniFileSpec, RunIniFile},
      // Archives, checkouts, mounts, debconf
      {UnarchiveSpec, RunUnarchive},
      {GitSpec, RunGit},
      {MountSpec, RunMount},
      {DebconfSpec, RunDebconf},
      // Kernel, locales and service facts
      {LocaleGenSpec, RunLocaleGen},
      {ModprobeSpec, RunModprobe},
      {KernelBlacklistSpec, RunKernelBlacklist},
      {ServiceFactsSpec, RunServiceFacts},
      // Packages (apt family)
      {AptSpec, RunApt},
      {PackageSpec, RunPackage},
      {AptRepositorySpec, RunAptRepository},
      {Deb822RepositorySpec, RunDeb822Repository},
      {AptKeySpec, RunAptKey},
      {DpkgSelectionsSpec, RunDpkgSelections},
      {PackageFactsSpec, RunPackageFacts},
      // System (services, keys, time, kernel settings)
      {SystemdServiceSpec, RunSystemdService},
      {SystemdSpec, RunSystemd},
      {ServiceSpec, RunService},
      {AuthorizedKeySpec, RunAuthorizedKey},
      {TimezoneSpec, RunTimezone},
      {HostnameSpec, RunHostname},
      {SysctlSpec, RunSysctl},
      {GetentSpec, RunGetent},
      {CronSpec, RunCron},
      // Network, Python and PostgreSQL
      {WaitForSpec, RunWaitFor},
      {UriSpec, RunUri},
      {GetUrlSpec, RunGetUrl},
      {PipSpec, RunPip},
      {PostgresqlDbSpec, RunPostgresqlDb},
      {PostgresqlUserSpec, RunPostgresqlUser},
      {PostgresqlQuerySpec, RunPostgresqlQuery},
      {PostgresqlPrivsSpec, RunPostgresqlPrivs},
      // Docker
      {DockerImageSpec, RunDockerImage},
      {DockerContainerSpec, RunDockerContainer},
      {DockerNetworkSpec, RunDockerNetwork},
      {DockerVolumeSpec, RunDockerVolume},
  };
  return modules;
}

// Collections whose short names resolve (COMPAT.md, "Names").
constexpr std::array kCollectionPrefixes{
    "ansible.builtin.",  "ansible.legacy.",       "ansible.posix.",    "community.general.",
    "community.docker.", "community.postgresql.", "community.crypto.",
};

}  // namespace

std::vector<std::string> ModuleNames() {
  std::vector<std::string> names;
  for (const auto& m : Modules()) names.push_back(m.spec().name);
  return names;
}

std::string CanonicalModuleName(std::string_view name) {
  for (std::string_view prefix : kCollectionPrefixes) {
    if (name.starts_with(prefix)) return std::string(name.substr(prefix.size()));
  }
  return std::string(name);
}

const Module* FindModule(std::string_view name) {
  std::string short_name = CanonicalModuleName(name);
  for (const auto& m : Modules()) {
    if (m.spec().name == short_name) return &m;
  }
  return nullptr;
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
