#pragma once

// The modules that run without the agent: `raw` (a shell command as is) and
// `script` (a local script uploaded through stdin and run). Pure helpers that
// plan the command and shape Ansible's result.

#include <optional>
#include <string>

#include "controller/connection/host_session.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Ansible's result for a finished command: rc, stdout(_lines), stderr(_lines);
/// failed with "non-zero return code" when rc != 0.
Json CommandResult(const ExecResult& exec, bool changed);

Json SkippedInCheckMode(const std::string& module);

struct ScriptPlan {
  std::string command;  // reads the script from stdin, runs it, removes it
  std::string content;  // the script's bytes
  std::string creates, removes;
  std::optional<Json> result;  // decided without running (check mode)
};

/// From `script` args (_raw_params "path args", cmd, chdir, creates, removes,
/// executable). Reads the local file.
Expected<ScriptPlan> PlanScript(const Json& args, bool check);

Json ScriptResult(const ScriptPlan& plan, const ExecResult& exec);

}  // namespace tend
