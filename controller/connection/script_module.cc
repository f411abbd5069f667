#include "controller/connection/script_module.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "controller/connection/ssh_config.h"
#include "core/strings.h"

namespace tend {
namespace {

Json Lines(const std::string& text) {
  Json lines = Json::array();
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string Trimmed(std::string_view s) { return std::string(TrimLeft(s, " \t")); }

}  // namespace

Json CommandResult(const ExecResult& exec, bool changed) {
  Json r{{"changed", changed}, {"rc", exec.rc},
         {"stderr", exec.err}, {"stderr_lines", Lines(exec.err)},
         {"stdout", exec.out}, {"stdout_lines", Lines(exec.out)}};
  if (exec.rc != 0) {
    r["failed"] = true;
    r["msg"] = "non-zero return code";
  }
  return r;
}

Json SkippedInCheckMode(const std::string& module) {
  return Json{{"changed", false},
              {"skipped", true},
              {"msg", fmt::format("{} does not support check mode", module)}};
}

Expected<ScriptPlan> PlanScript(const Json& args, bool check) {
  std::string raw = args.value("cmd", args.value("_raw_params", ""));
  auto words = ShellSplit(raw);
  if (!words) return Fail(fmt::format("script: {}", words.error().message));
  if (words->empty()) return Fail("script: no script given");
  std::string path = (*words)[0];
  std::string rest = Trimmed(raw.substr(raw.find(path) + path.size()));
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(fmt::format("Could not find or access '{}' on the controller", path));
  std::stringstream bytes;
  bytes << in.rdbuf();
  ScriptPlan plan;
  plan.content = bytes.str();
  plan.creates = args.value("creates", "");
  plan.removes = args.value("removes", "");
  if (check && plan.creates.empty() && plan.removes.empty()) {
    plan.result = SkippedInCheckMode("script");
    return plan;
  }
  std::string run = "\"$t\"";
  if (auto exe = args.value("executable", ""); !exe.empty()) run = exe + " \"$t\"";
  std::string cd;
  if (auto dir = args.value("chdir", ""); !dir.empty()) cd = "cd " + SingleQuote(dir) + " && ";
  plan.command = fmt::format(
      "t=$(mktemp \"${{TMPDIR:-/tmp}}/tend-script.XXXXXX\") || exit 1; head -c {} > \"$t\"; "
      "chmod 700 \"$t\"; {}{} {} </dev/null; rc=$?; rm -f \"$t\"; exit $rc",
      plan.content.size(), cd, run, rest);
  return plan;
}

Json ScriptResult(const ScriptPlan&, const ExecResult& exec) { return CommandResult(exec, true); }

}  // namespace tend
