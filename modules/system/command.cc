#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>

#include "modules/framework/all.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

std::vector<ArgSpec> CommandArgs(bool shell) {
  std::vector<ArgSpec> args{
      {.name = "_raw_params", .type = ArgType::kStr},
      {.name = "chdir", .type = ArgType::kPath},
      {.name = "executable", .type = ArgType::kPath},
      {.name = "creates", .type = ArgType::kPath},
      {.name = "removes", .type = ArgType::kPath},
      {.name = "stdin", .type = ArgType::kStr},
      {.name = "stdin_add_newline", .type = ArgType::kBool, .default_value = true},
      {.name = "strip_empty_ends", .type = ArgType::kBool, .default_value = true},
  };
  if (!shell) {
    args.push_back({.name = "argv", .type = ArgType::kList});
    args.push_back({.name = "expand_argument_vars", .type = ArgType::kBool, .default_value = true});
  }
  return args;
}

const std::vector<std::string> kCommandReturns{"cmd",          "rc",           "stdout", "stderr",
                                               "stdout_lines", "stderr_lines", "start",  "end",
                                               "delta",        "msg"};

// Whether `path` exists; a wildcard in its last component matches entries
// of its directory, as Ansible's glob.glob() in the command module does.
Expected<bool> PathExists(Host& host, const std::string& path) {
  size_t slash = path.rfind('/');
  std::string name = path.substr(slash == std::string::npos ? 0 : slash + 1);
  if (name.find_first_of("*?[") == std::string::npos) {
    auto info = host.Stat(path);
    if (!info) return std::unexpected(info.error());
    return info->exists();
  }
  std::string dir = slash == std::string::npos ? "." : path.substr(0, std::max<size_t>(slash, 1));
  auto entries = host.ListDirectory(dir);
  if (!entries) return false;  // no directory, no match
  return std::any_of(entries->begin(), entries->end(), [&](const std::string& entry) {
    return ::fnmatch(name.c_str(), entry.c_str(), FNM_PERIOD) == 0;
  });
}

// Ansible's `creates`/`removes` guards; a non-empty result means "do not run".
Expected<std::optional<Json>> Guard(ModuleContext& context) {
  const char* would = context.check ? "Would" : "Did";
  for (const char* key : {"creates", "removes"}) {
    if (!context.Has(key)) continue;
    std::string path = context.Str(key);
    auto exists = PathExists(context.Machine(), path);
    if (!exists) return std::unexpected(exists.error());
    bool creates = std::string_view(key) == "creates";
    if (*exists != creates) continue;
    std::string state = creates ? "exists" : "does not exist";
    return Json{{"changed", false},
                {"rc", 0},
                {"stdout", fmt::format("skipped, since {} {}", path, state)},
                {"stderr", ""},
                {"msg", fmt::format("{} not run command since '{}' {}", would, path, state)}};
  }
  return std::nullopt;
}

// The argv to run and the `cmd` to report.
Expected<std::pair<std::vector<std::string>, Json>> BuildArgv(ModuleContext& context, bool shell) {
  std::string raw = context.Str("_raw_params");
  if (shell) {
    std::string executable = context.Str("executable", "/bin/sh");
    return std::pair{std::vector<std::string>{executable, "-c", raw}, Json(raw)};
  }
  std::vector<std::string> argv;
  if (context.Has("argv")) {
    argv = context.args["argv"].get<std::vector<std::string>>();
  } else {
    auto split = ShlexSplit(raw);
    if (!split) return Fail("failed to parse the command: " + split.error().message);
    argv = std::move(*split);
  }
  return std::pair{argv, Json(argv)};
}

// Ansible's command module ignores `executable` (only shell uses it) and warns.
Json IgnoredExecutable(const ModuleContext& context, bool shell) {
  Json warnings = Json::array();
  if (shell || !context.Has("executable")) return warnings;
  warnings.push_back(fmt::format("As of Ansible 2.4, the parameter 'executable' is no longer "
                                 "supported with the 'command' module. Not using '{}'.",
                                 context.Str("executable")));
  return warnings;
}

Json RunCommandOnce(ModuleContext& context, bool shell) {
  // The module's own check, as Ansible's (not the spec's mutually_exclusive).
  if (!context.Str("_raw_params").empty() && context.Has("argv")) {
    return FailedResult("only command or argv can be given, not both", Json{{"rc", 256}});
  }
  auto built = BuildArgv(context, shell);
  if (!built) return FailedResult(built.error().message, Json{{"rc", 256}});
  auto& [argv, cmd] = *built;
  bool empty = shell ? context.Str("_raw_params").empty() : argv.empty();
  if (empty) return FailedResult("no command given", Json{{"rc", 256}});
  auto guard = Guard(context);
  if (!guard) return FailedResult(guard.error().message);
  if (*guard) {
    (**guard)["cmd"] = cmd;
    return **guard;
  }
  if (context.check) {
    bool guarded = context.Has("creates") || context.Has("removes");
    Json result{{"changed", guarded},
                {"rc", 0},
                {"cmd", cmd},
                {"msg", "Command would have run if not in check mode"}};
    if (!guarded) result["skipped"] = true;
    return result;
  }
  ProcessSpec spec{
      .argv = argv, .stdin_data = std::nullopt, .cwd = context.Str("chdir"), .env = {}};
  if (context.Has("stdin")) {
    spec.stdin_data = context.Str("stdin") + (context.Bool("stdin_add_newline", true) ? "\n" : "");
  }
  Host& host = context.Machine();
  int64_t start = host.NowMicros();
  auto ran = host.Run(spec);
  int64_t end = host.NowMicros();
  if (!ran) {
    // "[Errno 2] No such file or directory: 'x'" carries Python's rc.
    const std::string& msg = ran.error().message;
    int rc = msg.starts_with("[Errno ") ? std::atoi(msg.c_str() + 7) : 2;
    return FailedResult(msg, Json{{"rc", rc}, {"cmd", cmd}});
  }
  bool strip = context.Bool("strip_empty_ends", true);
  std::string out = strip ? std::string(StripTrailingNewlines(ran->stdout_data)) : ran->stdout_data;
  std::string err = strip ? std::string(StripTrailingNewlines(ran->stderr_data)) : ran->stderr_data;
  Json result{{"changed", true},
              {"rc", ran->rc},
              {"cmd", cmd},
              {"start", FormatTimestamp(start)},
              {"end", FormatTimestamp(end)},
              {"delta", FormatDelta(end - start)},
              {"stdout", out},
              {"stderr", err},
              {"stdout_lines", SplitLines(out)},
              {"stderr_lines", SplitLines(err)},
              {"msg", ""}};
  if (ran->rc != 0) {
    result["failed"] = true;
    result["msg"] = "non-zero return code";
  }
  return result;
}

Json RunCommandLine(ModuleContext& context, bool shell) {
  Json result = RunCommandOnce(context, shell);
  Json warnings = IgnoredExecutable(context, shell);
  if (!warnings.empty()) result["warnings"] = warnings;
  return result;
}

}  // namespace

const ModuleSpec& CommandSpec() {
  static const ModuleSpec spec{
      .name = "command",
      .short_description = "Execute commands on targets",
      .args = CommandArgs(false),
      .free_form = true,
      .returns = kCommandReturns,
  };
  return spec;
}

const ModuleSpec& ShellSpec() {
  static const ModuleSpec spec{
      .name = "shell",
      .short_description = "Execute shell commands on targets",
      .args = CommandArgs(true),
      .free_form = true,
      .returns = kCommandReturns,
  };
  return spec;
}

Expected<Json> RunCommand(ModuleContext& context) { return RunCommandLine(context, false); }
Expected<Json> RunShell(ModuleContext& context) { return RunCommandLine(context, true); }

}  // namespace tend

namespace tend {

// raw and script run on the controller's side of the connection (raw needs no
// agent at all); their specs live here so arguments are checked the same way.
const ModuleSpec& RawSpec() {
  static const ModuleSpec spec{
      .name = "raw",
      .short_description = "Executes a low-down and dirty command (without the agent)",
      .args = {{.name = "_raw_params", .type = ArgType::kStr},
               {.name = "executable", .type = ArgType::kPath}},
      .required_one_of = {{"_raw_params"}},
      .free_form = true,
      .supports_check_mode = false,
      .returns = {"rc", "stdout", "stderr", "stdout_lines", "stderr_lines"},
  };
  return spec;
}

const ModuleSpec& ScriptSpec() {
  static const ModuleSpec spec{
      .name = "script",
      .short_description = "Runs a local script on a remote node after transferring it",
      .args = {{.name = "_raw_params", .type = ArgType::kStr},
               {.name = "cmd", .type = ArgType::kStr},
               {.name = "chdir", .type = ArgType::kPath},
               {.name = "creates", .type = ArgType::kPath},
               {.name = "removes", .type = ArgType::kPath},
               {.name = "executable", .type = ArgType::kStr},
               {.name = "decrypt", .type = ArgType::kBool, .default_value = true}},
      .mutually_exclusive = {{"_raw_params", "cmd"}},
      .required_one_of = {{"_raw_params", "cmd"}},
      .free_form = true,
      .returns = kCommandReturns,
  };
  return spec;
}

Expected<Json> RunRaw(ModuleContext&) {
  return Fail("raw runs on the controller (over SSH, without the agent), not in tend-agent");
}

Expected<Json> RunScript(ModuleContext&) {
  return Fail("script is run by the controller (it uploads the script), not by tend-agent");
}

}  // namespace tend
