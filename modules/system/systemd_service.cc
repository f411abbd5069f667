// systemd_service (alias systemd) and service: inspect the unit with
// `systemctl show` / `is-enabled`, then run only the verbs that are needed.
// `service` uses systemd when it is the running service manager and falls
// back to /etc/init.d scripts (sysvinit) otherwise.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/parsers/system_parse.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

constexpr const char* kSystemdRunDir = "/run/systemd/system";

bool SystemdIsRunning(Host& host) {
  auto info = host.Stat(kSystemdRunDir);
  return info && info->kind == FileKind::kDirectory;
}

// systemctl with the scope and behaviour flags the task asked for.
class Systemctl {
 public:
  Systemctl(Host& host, const ModuleContext& context) : host_(host) {
    std::string scope = context.Str("scope", "system");
    if (scope != "system") base_.push_back("--" + scope);
    if (context.Bool("no_block")) base_.push_back("--no-block");
    if (context.Bool("force")) base_.push_back("--force");
    if (scope == "user" && !host.GetEnv("XDG_RUNTIME_DIR")) {
      env_["XDG_RUNTIME_DIR"] = fmt::format("/run/user/{}", host.EffectiveUid());
    }
  }

  Expected<ProcessResult> operator()(std::initializer_list<std::string> words) {
    std::vector<std::string> argv = base_;
    argv.insert(argv.end(), words);
    return host_.Run({.argv = std::move(argv), .stdin_data = {}, .cwd = {}, .env = env_});
  }

 private:
  Host& host_;
  std::vector<std::string> base_{"systemctl"};
  std::map<std::string, std::string> env_{};
};

std::string Output(const ProcessResult& r) {
  return std::string(StripTrailingNewlines(r.stdout_data + r.stderr_data));
}

bool RequestIgnored(std::string_view text) {
  return text.find("ignoring request") != std::string_view::npos ||
         text.find("ignoring command") != std::string_view::npos;
}

struct UnitState {
  Json status = Json::object();
  bool found = false;
  bool is_initd = false;
};

Expected<UnitState> InspectUnit(Host& host, Systemctl& systemctl, const std::string& unit) {
  UnitState state;
  auto initd = host.Stat("/etc/init.d/" + unit);
  state.is_initd = initd && initd->exists();
  auto shown = systemctl({"show", unit});
  if (!shown) return std::unexpected(shown.error());
  if (shown->rc == 0 && !RequestIgnored(shown->stdout_data) && !RequestIgnored(shown->stderr_data)) {
    state.status = ParseSystemctlShow(shown->stdout_data);
    std::string load = state.status.value("LoadState", "");
    bool is_systemd = state.status.contains("LoadState") && load != "not-found";
    if (is_systemd && load != "masked" && !state.status.value("LoadError", "").empty()) {
      return Fail(fmt::format("Error loading unit file '{}': {}", unit,
                              state.status.value("LoadError", "")));
    }
    state.found = is_systemd || state.is_initd;
    return state;
  }
  // `show` is not answered in some environments (chroots); ask the unit files.
  auto listed = systemctl({"list-unit-files", unit});
  if (!listed) return std::unexpected(listed.error());
  state.found = listed->rc == 0 || state.is_initd;
  return state;
}

Expected<void> DaemonCommands(ModuleContext& context, Systemctl& systemctl) {
  for (const char* verb : {"daemon-reload", "daemon-reexec"}) {
    std::string arg = verb == std::string_view("daemon-reload") ? "daemon_reload" : "daemon_reexec";
    if (!context.Bool(arg.c_str()) || context.check) continue;
    auto ran = systemctl({verb});
    if (!ran) return std::unexpected(ran.error());
    if (ran->rc != 0) {
      return Fail(fmt::format("failure {} during {}: {}", ran->rc, verb, Output(*ran)));
    }
  }
  return {};
}

Expected<void> Act(ModuleContext& context, Systemctl& systemctl, const std::string& verb,
                   const std::string& unit, bool& changed) {
  changed = true;
  if (context.check) return {};
  auto ran = systemctl({verb, unit});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("Unable to {} service {}: {}", verb, unit, Output(*ran)));
  }
  return {};
}

std::string Missing(const std::string& unit) {
  return fmt::format("Could not find the requested service {}: host", unit);
}

// Ansible's sysv_is_enabled: a start link in any runlevel directory.
bool SysvEnabled(Host& host, const std::string& name) {
  for (char level : std::string("0123456S")) {
    auto names = host.ListDirectory(fmt::format("/etc/rc{}.d", level));
    if (!names) continue;
    for (const auto& n : *names) {
      if (n.size() == name.size() + 3 && n[0] == 'S' && n.ends_with(name)) return true;
    }
  }
  return false;
}

Expected<void> EnsureMasked(ModuleContext& context, Systemctl& systemctl, const UnitState& state,
                            const std::string& unit, Json& result) {
  auto out = systemctl({"is-enabled", unit});
  if (!out) return std::unexpected(out.error());
  bool masked = StripTrailingNewlines(out->stdout_data) == "masked";
  bool want = context.Bool("masked");
  if (masked == want) return {};
  bool changed = false;
  auto acted = Act(context, systemctl, want ? "mask" : "unmask", unit, changed);
  if (!acted && !state.found) return Fail(Missing(unit));
  if (!acted) return acted;
  result["changed"] = true;
  return {};
}

Expected<void> EnsureEnabled(ModuleContext& context, Systemctl& systemctl, const UnitState& state,
                             const std::string& unit, Json& result) {
  if (!state.found) return Fail(Missing(unit));
  auto out = systemctl({"is-enabled", unit});
  if (!out) return std::unexpected(out.error());
  bool enabled = IsEnabledOutput(out->rc, out->stdout_data);
  if (out->rc == 1 && context.Str("scope", "system") == "system" && state.is_initd &&
      !std::string_view(StripTrailingNewlines(out->stdout_data)).ends_with("disabled")) {
    enabled = SysvEnabled(context.Machine(), unit);
  }
  bool want = context.Bool("enabled");
  result["enabled"] = want;
  if (enabled == want) return {};
  bool changed = false;
  auto acted = Act(context, systemctl, want ? "enable" : "disable", unit, changed);
  if (!acted) return acted;
  result["changed"] = true;
  return {};
}

Expected<void> EnsureState(ModuleContext& context, Systemctl& systemctl, const UnitState& state,
                           const std::string& unit, Json& result) {
  if (!state.found) return Fail(Missing(unit));
  std::string desired = context.Str("state");
  result["state"] = desired == "stopped" ? "stopped" : "started";
  if (desired == "started" || desired == "stopped") result["state"] = desired;
  if (!state.status.contains("ActiveState")) {
    if (context.Machine().GetEnv("SYSTEMD_OFFLINE") == "1") return {};
    return Fail("Service is in unknown state");
  }
  auto action = ServiceAction(desired, state.status.value("ActiveState", ""));
  if (!action) return {};
  bool changed = false;
  auto acted = Act(context, systemctl, *action, unit, changed);
  if (!acted) return acted;
  result["changed"] = true;
  return {};
}

Expected<Json> RunUnderSystemd(ModuleContext& context) {
  Host& host = context.Machine();
  if (!SystemdIsRunning(host) && host.GetEnv("SYSTEMD_OFFLINE") != "1") {
    return Fail(fmt::format(
        "systemd is not the running service manager on this host ({} does not exist); "
        "the systemd module cannot manage units here (use the service module for init.d scripts)",
        kSystemdRunDir));
  }
  Systemctl systemctl(host, context);
  std::string unit = context.Str("name");
  Json result{{"changed", false}};
  if (!unit.empty()) result["name"] = unit;
  auto reloaded = DaemonCommands(context, systemctl);
  if (!reloaded) return std::unexpected(reloaded.error());
  if (unit.empty()) return result;
  auto state = InspectUnit(host, systemctl, unit);
  if (!state) return std::unexpected(state.error());
  result["status"] = state->status;
  using Step = Expected<void> (*)(ModuleContext&, Systemctl&, const UnitState&,
                                  const std::string&, Json&);
  const std::pair<const char*, Step> steps[] = {
      {"masked", EnsureMasked}, {"enabled", EnsureEnabled}, {"state", EnsureState}};
  for (const auto& [arg, step] : steps) {
    if (!context.Has(arg)) continue;
    auto done = step(context, systemctl, *state, unit, result);
    if (!done) return std::unexpected(done.error());
  }
  return result;
}

ModuleSpec MakeSystemdSpec(std::string name) {
  return ModuleSpec{
      .name = std::move(name),
      .short_description = "Manage systemd units",
      .args = {{.name = "name", .type = ArgType::kStr, .aliases = {"service", "unit"}},
               {.name = "state",
                .type = ArgType::kStr,
                .choices = {"reloaded", "restarted", "started", "stopped"}},
               {.name = "enabled", .type = ArgType::kBool},
               {.name = "force", .type = ArgType::kBool},
               {.name = "masked", .type = ArgType::kBool},
               {.name = "daemon_reload",
                .type = ArgType::kBool,
                .default_value = false,
                .aliases = {"daemon-reload"}},
               {.name = "daemon_reexec",
                .type = ArgType::kBool,
                .default_value = false,
                .aliases = {"daemon-reexec"}},
               {.name = "scope",
                .type = ArgType::kStr,
                .default_value = "system",
                .choices = {"system", "user", "global"}},
               {.name = "no_block", .type = ArgType::kBool, .default_value = false}},
      .required_one_of = {{"state", "enabled", "masked", "daemon_reload", "daemon_reexec"}},
      .returns = {"name", "state", "enabled", "status"},
  };
}

Expected<void> RequireName(const ModuleContext& context) {
  if (context.Has("name")) return {};
  for (const char* arg : {"state", "enabled", "masked"}) {
    if (context.Has(arg)) return Fail(fmt::format("missing parameter(s) required by '{}': name", arg));
  }
  return {};
}

}  // namespace

const ModuleSpec& SystemdServiceSpec() {
  static const ModuleSpec spec = MakeSystemdSpec("systemd_service");
  return spec;
}

const ModuleSpec& SystemdSpec() {
  static const ModuleSpec spec = MakeSystemdSpec("systemd");
  return spec;
}

Expected<Json> RunSystemdService(ModuleContext& context) {
  auto named = RequireName(context);
  if (!named) return std::unexpected(named.error());
  return RunUnderSystemd(context);
}

Expected<Json> RunSystemd(ModuleContext& context) { return RunSystemdService(context); }

// The `service` module: systemd when it runs, else the init.d script.
namespace {

Expected<ProcessResult> InitScript(ModuleContext& context, const std::string& script,
                                   const std::string& verb) {
  std::vector<std::string> argv{script, verb};
  auto extra = ShlexSplit(context.Str("arguments"));
  if (!extra) return Fail(fmt::format("arguments: {}", extra.error().message));
  argv.insert(argv.end(), extra->begin(), extra->end());
  return context.Machine().Run({.argv = std::move(argv), .stdin_data = {}, .cwd = {}, .env = {}});
}

Expected<void> SysvState(ModuleContext& context, const std::string& script, Json& result) {
  std::string desired = context.Str("state");
  auto status = InitScript(context, script, "status");
  if (!status) return std::unexpected(status.error());
  bool running = status->rc == 0;
  std::optional<std::string> verb;
  if (desired == "started" && !running) verb = "start";
  if (desired == "stopped" && running) verb = "stop";
  if (desired == "restarted") verb = "restart";
  if (desired == "reloaded") verb = running ? "reload" : "start";
  result["state"] = desired;
  if (!verb) return {};
  result["changed"] = true;
  if (context.check) return {};
  auto ran = InitScript(context, script, *verb);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("Unable to {} service {}: {}", *verb, context.Str("name"), Output(*ran)));
  }
  return {};
}

Expected<void> SysvEnabledState(ModuleContext& context, Json& result) {
  Host& host = context.Machine();
  std::string name = context.Str("name");
  bool want = context.Bool("enabled");
  result["enabled"] = want;
  if (SysvEnabled(host, name) == want) return {};
  result["changed"] = true;
  if (context.check) return {};
  std::vector<std::string> argv{"update-rc.d", name, want ? "enable" : "disable"};
  if (want) {
    // A script without any rc links needs them made before they can be enabled.
    auto defaults = host.Run({.argv = {"update-rc.d", name, "defaults"}, .stdin_data = {}, .cwd = {}, .env = {}});
    if (!defaults) return std::unexpected(defaults.error());
  }
  auto ran = host.Run({.argv = argv, .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("Unable to {} service {}: {}", argv[2], name, Output(*ran)));
  }
  return {};
}

Expected<Json> RunSysvinit(ModuleContext& context) {
  std::string name = context.Str("name");
  std::string script = "/etc/init.d/" + name;
  auto info = context.Machine().Stat(script);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) {
    return Fail(fmt::format(
        "cannot find 'service' binary or init script for service, possible typo in service "
        "name?, aborting ({} does not exist)",
        script));
  }
  Json result{{"changed", false}, {"name", name}};
  if (context.Has("enabled")) {
    auto done = SysvEnabledState(context, result);
    if (!done) return std::unexpected(done.error());
  }
  if (context.Has("state")) {
    auto done = SysvState(context, script, result);
    if (!done) return std::unexpected(done.error());
  }
  return result;
}

// The arguments the systemd path ignores, as Ansible's service action warns.
Json UnusedWarnings(const ModuleContext& context) {
  Json warnings = Json::array();
  for (const char* arg : {"pattern", "sleep", "arguments"}) {
    if (context.Has(arg) && context.Str(arg) != "") {
      warnings.push_back(fmt::format("Ignoring \"{}\" as it is not used in \"systemd\"", arg));
    }
  }
  if (context.Str("runlevel", "default") != "default") {
    warnings.push_back("Ignoring \"runlevel\" as it is not used in \"systemd\"");
  }
  return warnings;
}

}  // namespace

const ModuleSpec& ServiceSpec() {
  static const ModuleSpec spec{
      .name = "service",
      .short_description = "Manage services",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "state",
                .type = ArgType::kStr,
                .choices = {"started", "stopped", "reloaded", "restarted"}},
               {.name = "sleep", .type = ArgType::kInt},
               {.name = "pattern", .type = ArgType::kStr},
               {.name = "enabled", .type = ArgType::kBool},
               {.name = "runlevel", .type = ArgType::kStr, .default_value = "default"},
               {.name = "arguments", .type = ArgType::kStr, .aliases = {"args"}},
               {.name = "use",
                .type = ArgType::kStr,
                .default_value = "auto",
                .choices = {"auto", "systemd", "sysvinit", "service"}},
               // Ansible's service action hands these to systemd on a systemd host.
               {.name = "daemon_reload", .type = ArgType::kBool, .aliases = {"daemon-reload"}},
               {.name = "daemon_reexec", .type = ArgType::kBool, .aliases = {"daemon-reexec"}},
               {.name = "masked", .type = ArgType::kBool},
               {.name = "force", .type = ArgType::kBool},
               {.name = "no_block", .type = ArgType::kBool},
               {.name = "scope", .type = ArgType::kStr, .choices = {"system", "user", "global"}}},
      .required_one_of = {{"state", "enabled", "masked", "daemon_reload", "daemon_reexec"}},
      .returns = {"name", "state", "enabled", "status"},
  };
  return spec;
}

Expected<Json> RunService(ModuleContext& context) {
  std::string use = context.Str("use", "auto");
  bool systemd = use == "systemd" || (use == "auto" && SystemdIsRunning(context.Machine()));
  if (!systemd) return RunSysvinit(context);
  Json warnings = UnusedWarnings(context);
  ModuleContext inner = context;
  inner.args = Json{{"name", context.Str("name")}, {"scope", context.Str("scope", "system")}};
  for (const char* arg :
       {"state", "enabled", "daemon_reload", "daemon_reexec", "masked", "force", "no_block"}) {
    if (context.Has(arg)) inner.args[arg] = context.args[arg];
  }
  auto result = RunUnderSystemd(inner);
  if (result && !warnings.empty()) (*result)["warnings"] = warnings;
  return result;
}

}  // namespace tend
