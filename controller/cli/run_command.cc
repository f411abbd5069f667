// `tend run PATTERN -i INV -m MODULE -a ARGS`: one module on many hosts, like `ansible`.

#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "controller/cli/adhoc_command.h"
#include "controller/cli/adhoc_records.h"
#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "controller/cli/run_records.h"
#include "controller/connection/file_actions.h"
#include "controller/connection/real_session.h"
#include "controller/playbook/module_names.h"
#include "controller/pymodule/python_modules.h"

namespace tend {
namespace {

struct RunFlags {
  AdhocFlags adhoc;
  std::string module = "command";
  std::string args;
  bool oneline = false;
  bool check = false;
  bool diff = false;
  std::string records;
};

// Ad-hoc runs find a local src, and put a relative fetch dest, where tend
// runs (as `ansible` does).
ActionPlace AdhocPlace(const std::string& host) {
  std::string cwd = std::filesystem::current_path().string();
  return ActionPlace{host, cwd, [cwd](const std::string& name) {
                       auto path = std::filesystem::path(name).is_absolute()
                                       ? std::filesystem::path(name)
                                       : std::filesystem::path(cwd) / name;
                       return std::filesystem::exists(path) ? path.string() : std::string();
                     }};
}

// A module tend has no native implementation of runs as Ansible's code for
// it, packed once and sent to each host as `tend play` sends it (issue 19).
struct PythonRun {
  std::shared_ptr<const PreparedModule> prepared;
  ModuleRunSettings settings;
};

// Nothing for a native module, and for a name Ansible does not know either
// (the agent then says it cannot resolve it, with suggestions).
Expected<std::optional<PythonRun>> PythonFallback(const RunFlags& f) {
  if (IsKnownAction(CanonicalActionName(f.module))) return std::nullopt;
  auto modules = MachinePythonModules();
  auto prepared = modules->Prepare(f.module);
  if (!prepared) {
    if (!IsAnsibleModuleName(f.module)) return std::nullopt;
    return std::unexpected(prepared.error());
  }
  return PythonRun{*prepared, ModuleRunSettings{.module_name = f.module,
                                                .check = f.check,
                                                .diff = f.diff,
                                                .verbosity = f.adhoc.verbose ? 1 : 0,
                                                .ansible_version = modules->ansible_version()}};
}

Json RunPython(HostSession& session, const PythonRun& python, ModuleCall call,
               const Json& host_vars) {
  Json args = std::move(call.args);
  MakePythonCall(*python.prepared, std::move(args), python.settings,
                 host_vars.value("ansible_python_interpreter", Json()), call);
  auto result = session.Run(call);
  if (!result) return UnreachableResult(result.error());
  return CleanModuleResult(std::move(*result));
}

int Run(RunFlags f) {
  if (f.module.rfind("ansible.builtin.", 0) == 0) f.module = f.module.substr(16);
  if ((f.module == "command" || f.module == "shell" || f.module == "raw" || f.module == "script") &&
      f.args.empty()) {
    fmt::print(stderr, "tend: module '{}' needs a command (-a)\n", f.module);
    return kExitBadOptions;
  }
  auto args = PrepareModuleArgs(f.module, f.args);
  if (!args) {
    fmt::print(stderr, "tend: {}\n", args.error().ToString());
    return kExitBadOptions;
  }
  auto python = PythonFallback(f);
  if (!python) {
    fmt::print(stderr, "tend: {}\n", python.error().ToString());
    return kExitError;
  }
  std::map<std::string, Json> host_vars;
  auto targets = AdhocTargets(f.adhoc, &host_vars);
  if (!targets) {
    fmt::print(stderr, "tend: {}\n", targets.error().ToString());
    return kExitError;
  }
  ModuleCall call;
  call.module = f.module;
  call.args = *args;
  call.check = f.check;
  call.diff = f.diff;
  auto factory = MakeRealSessionFactory({"", f.adhoc.verbose});
  // AdhocTargets has read the configuration without error by now.
  AdhocRecords records(f.records,
                       NewRunInfo("run", ConfigInventory(*CliConfig(), f.adhoc.inventory), {}),
                       f.adhoc.pattern, f.module, call.args);
  HostWork work = records.Observe(
      [&](const HostTarget& t, const Expected<HostSession*>& session) -> Json {
        if (!session) return UnreachableResult(session.error());
        if (*python) return RunPython(**session, **python, call, host_vars.at(t.name));
        AgentCall agent = [&](const ModuleCall& c) -> Json {
          auto result = (*session)->Run(c);
          if (!result) return UnreachableResult(result.error());
          return *result;
        };
        return RunWithControllerHalf(call, AdhocPlace(t.name), agent);
      });
  int rc = RunOnHosts(f.adhoc, *targets, *factory, work,
                      [&](const HostTarget& t, const Json& result) {
                        return FormatAdhocResult(t.name, f.module, result, f.oneline);
                      });
  records.Finish(rc);
  return rc;
}

}  // namespace

CommandRunner SetupRunCommand(CLI::App& sub) {
  auto flags = std::make_shared<RunFlags>();
  AddAdhocOptions(sub, flags->adhoc);
  sub.add_option("-m,--module-name", flags->module, "Module to run (default: command)");
  sub.add_option("-a,--args", flags->args, "Module arguments (k=v, free form, or JSON)");
  sub.add_flag("-o,--one-line", flags->oneline, "One line per host");
  sub.add_flag("-C,--check", flags->check, "Report what would change, change nothing");
  sub.add_flag("-D,--diff", flags->diff, "Show differences");
  AddRecordsOption(sub, flags->records);
  return [flags] { return Run(*flags); };
}

}  // namespace tend
