#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

std::string Join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + ShellQuote(a);
  return out;
}

struct PipRun {
  std::string stdout_text;
  std::string stderr_text;
};

Expected<ProcessResult> RunIn(ModuleContext& context, std::vector<std::string> argv) {
  ProcessSpec spec{.argv = std::move(argv), .stdin_data = {}, .cwd = {}, .env = {}};
  if (context.Has("chdir")) spec.cwd = ExpandUser(context.Machine(), context.Str("chdir"));
  // The self-check reaches out to PyPI; estates behind firewalls would wait on it.
  spec.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
  return context.Machine().Run(spec);
}

// Ansible's _fail(): "stdout: ...\n:stderr: ...".
Json PipFailure(const std::string& cmd, const ProcessResult& ran) {
  std::string msg;
  if (!ran.stdout_data.empty()) msg += "stdout: " + ran.stdout_data;
  if (!ran.stderr_data.empty()) msg += "\n:stderr: " + ran.stderr_data;
  return FailedResult(msg, Json{{"cmd", cmd}, {"rc", ran.rc}, {"stdout", ran.stdout_data},
                                {"stderr", ran.stderr_data}});
}

std::string VenvPath(ModuleContext& context) {
  return ExpandUser(context.Machine(), context.Str("virtualenv"));
}

// Creates the virtualenv when bin/activate is missing; fills `log` with its output.
Expected<bool> EnsureVirtualenv(ModuleContext& context, PipRun& log, std::optional<Json>& failure) {
  Host& host = context.Machine();
  std::string env = VenvPath(context);
  auto activate = host.Stat(JoinPath(env, "bin/activate"));
  if (!activate) return std::unexpected(activate.error());
  if (activate->exists()) return false;
  if (context.check) return true;
  auto command = ShlexSplit(context.Str("virtualenv_command", "virtualenv"));
  if (!command || command->empty()) return Fail("virtualenv_command is empty");
  std::vector<std::string> argv = *command;
  bool is_venv = context.Str("virtualenv_command").find("venv") != std::string::npos &&
                 context.Str("virtualenv_command").find("virtualenv") == std::string::npos;
  if (context.Bool("virtualenv_site_packages")) argv.push_back("--system-site-packages");
  if (context.Has("virtualenv_python")) {
    if (is_venv) {
      return Fail("virtualenv_python should not be used when using the venv module or pyvenv as "
                  "virtualenv_command");
    }
    argv.insert(argv.end(), {"-p", context.Str("virtualenv_python")});
  }
  argv.push_back(env);
  auto ran = RunIn(context, argv);
  if (!ran) return std::unexpected(ran.error());
  log.stdout_text += ran->stdout_data;
  log.stderr_text += ran->stderr_data;
  if (ran->rc != 0) failure = PipFailure(Join(argv), *ran);
  return true;
}

Expected<std::string> PipExecutable(ModuleContext& context) {
  Host& host = context.Machine();
  if (context.Has("virtualenv")) return JoinPath(VenvPath(context), "bin/pip");
  if (context.Has("executable")) return context.Str("executable");
  std::string path = host.GetEnv("PATH").value_or("/usr/local/bin:/usr/bin:/bin");
  for (const char* name : {"pip3", "pip"}) {
    size_t start = 0;
    while (start <= path.size()) {
      size_t colon = path.find(':', start);
      std::string dir = path.substr(start, colon - start);
      start = colon == std::string::npos ? path.size() + 1 : colon + 1;
      auto info = host.Stat(JoinPath(dir.empty() ? "." : dir, name));
      if (info && info->kind == FileKind::kFile) return JoinPath(dir, name);
    }
  }
  return Fail("Unable to find any of pip3 to use.  pip needs to be installed.");
}

Expected<std::map<std::string, std::string>> Installed(ModuleContext& context, const std::string& pip) {
  std::vector<std::string> argv{pip, "list", "--format=json"};
  auto ran = RunIn(context, argv);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) return Fail(fmt::format("{} failed: {}", Join(argv), ran->stderr_data));
  return ParsePipList(ran->stdout_data);
}

// The names to act on, with `version` applied to a single name.
Expected<std::vector<std::string>> Names(ModuleContext& context) {
  std::vector<std::string> names;
  if (context.Has("name")) names = context.args["name"].get<std::vector<std::string>>();
  if (context.Has("version")) {
    if (names.size() != 1) return Fail("version is incompatible with a list of names");
    if (names[0].find_first_of("=<>!~") != std::string::npos)
      return Fail("The 'version' argument conflicts with any version specifier provided along with a package name. Please keep the version specifier, but remove the 'version' argument.");
    names[0] += "==" + context.Str("version");
  }
  return names;
}

// Whether every name is already as `state` wants it; nullopt when pip must decide
// (paths, URLs, requirements files, latest, forcereinstall).
std::optional<bool> Satisfied(const std::vector<std::string>& names, const std::string& state,
                              const std::map<std::string, std::string>& installed) {
  if (state == "latest" || state == "forcereinstall") return std::nullopt;
  for (const auto& name : names) {
    if (name.find('/') != std::string::npos || name.find(':') != std::string::npos) return std::nullopt;
    auto req = ParsePipRequirement(name);
    if (!req) return std::nullopt;
    auto it = installed.find(req->name);
    bool present = it != installed.end() && VersionSatisfies(it->second, req->op, req->version);
    if (state == "absent" && it != installed.end()) return false;
    if (state == "present" && !present) return false;
  }
  return true;
}

std::vector<std::string> ActionArgv(ModuleContext& context, const std::string& pip,
                                    const std::vector<std::string>& names) {
  std::string state = context.Str("state");
  std::vector<std::string> argv{pip, state == "absent" ? "uninstall" : "install"};
  if (state == "absent") argv.push_back("-y");
  if (state == "latest") argv.push_back("-U");
  if (state == "forcereinstall") argv.insert(argv.end(), {"-U", "--force-reinstall"});
  if (context.Has("extra_args")) {
    auto extra = ShlexSplit(context.Str("extra_args"));
    if (extra) argv.insert(argv.end(), extra->begin(), extra->end());
  }
  if (context.Has("requirements")) argv.insert(argv.end(), {"-r", context.Str("requirements")});
  for (const auto& n : names) {
    if (context.Bool("editable")) argv.push_back("-e");
    argv.push_back(n);
  }
  return argv;
}

}  // namespace

const ModuleSpec& PipSpec() {
  static const ModuleSpec spec{
      .name = "pip",
      .short_description = "Manages Python library dependencies",
      .args = {{.name = "name", .type = ArgType::kList},
               {.name = "version", .type = ArgType::kStr},
               {.name = "requirements", .type = ArgType::kStr},
               {.name = "virtualenv", .type = ArgType::kPath},
               {.name = "virtualenv_site_packages", .type = ArgType::kBool, .default_value = false},
               {.name = "virtualenv_command", .type = ArgType::kPath, .default_value = "virtualenv"},
               {.name = "virtualenv_python", .type = ArgType::kStr},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "forcereinstall", "latest", "present"}},
               {.name = "extra_args", .type = ArgType::kStr},
               {.name = "editable", .type = ArgType::kBool, .default_value = false},
               {.name = "chdir", .type = ArgType::kPath},
               {.name = "executable", .type = ArgType::kPath},
               {.name = "umask", .type = ArgType::kStr},
               {.name = "break_system_packages", .type = ArgType::kBool, .default_value = false}},
      .mutually_exclusive = {{"name", "requirements"}, {"executable", "virtualenv"}},
      .required_one_of = {{"name", "requirements"}},
      .returns = {"cmd", "name", "requirements", "version", "virtualenv", "stdout", "stderr", "state"},
  };
  return spec;
}

Expected<Json> RunPip(ModuleContext& context) {
  auto names = Names(context);
  if (!names) return std::unexpected(names.error());
  std::string state = context.Str("state");
  Json result{{"changed", false}, {"name", *names}, {"requirements", context.args["requirements"]},
              {"version", context.args["version"]}, {"virtualenv", context.args["virtualenv"]},
              {"state", state}, {"stdout", ""}, {"stderr", ""}};
  PipRun log;
  bool venv_created = false;
  if (context.Has("virtualenv")) {
    std::optional<Json> failure;
    auto created = EnsureVirtualenv(context, log, failure);
    if (!created) return std::unexpected(created.error());
    if (failure) return *failure;
    venv_created = *created;
  }
  auto pip = PipExecutable(context);
  if (!pip) return std::unexpected(pip.error());
  std::map<std::string, std::string> before;
  if (!(venv_created && context.check)) {
    auto listed = Installed(context, *pip);
    if (!listed) return std::unexpected(listed.error());
    before = std::move(*listed);
  }
  std::vector<std::string> argv = ActionArgv(context, *pip, *names);
  if (state == "absent" && !context.Has("requirements")) {
    // Uninstall only what is installed: pip fails on nothing, Ansible reports ok.
    argv.resize(3);
    for (const auto& n : *names) {
      auto req = ParsePipRequirement(n);
      if (req && before.contains(req->name)) argv.push_back(n);
    }
  }
  result["cmd"] = Join(argv);
  bool nothing_to_do = false;
  if (!context.Has("requirements")) {
    nothing_to_do = state == "absent" ? argv.size() == 3
                                      : Satisfied(*names, state, before).value_or(false);
  }
  if (nothing_to_do) {
    result["changed"] = venv_created;
    result["stdout"] = log.stdout_text;
    result["stderr"] = log.stderr_text;
    return result;
  }
  if (context.check) {
    result["changed"] = true;
    return result;
  }
  auto ran = RunIn(context, argv);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) return PipFailure(Join(argv), *ran);
  result["stdout"] = log.stdout_text + ran->stdout_data;
  result["stderr"] = log.stderr_text + ran->stderr_data;
  // What pip decided shows in the installed set (as Ansible compares freeze output).
  auto after = Installed(context, *pip);
  if (!after) return std::unexpected(after.error());
  bool reported = ran->stdout_data.find("Successfully installed") != std::string::npos ||
                  ran->stdout_data.find("Successfully uninstalled") != std::string::npos;
  result["changed"] = venv_created || reported || *after != before;
  return result;
}

}  // namespace tend
