#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "controller/cli/adhoc.h"
#include "controller/cli/command.h"

namespace tend {
namespace {

bool IsCommandModule(const std::string& module) {
  std::string m = module;
  if (m.rfind("ansible.builtin.", 0) == 0) m = m.substr(16);
  return m == "command" || m == "shell" || m == "raw";
}

// What Ansible prints of a result: TaskResult.clean_copy drops `failed` and
// `skipped` (the status word says it), _dump_results the internal keys,
// `invocation`, `exception` and (below -vvv) `diff`; keys sorted.
std::string DumpSorted(const Json& result, int indent) {
  nlohmann::json sorted = nlohmann::json::parse(result.dump());
  for (auto it = sorted.begin(); it != sorted.end();) {
    const std::string& key = it.key();
    bool dropped = key == "failed" || key == "skipped" || key == "invocation" || key == "exception" ||
                   key == "diff";
    if (dropped || key.rfind("_ansible", 0) == 0) {
      it = sorted.erase(it);
    } else {
      ++it;
    }
  }
  return sorted.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string Escaped(std::string text) {
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

std::string CommandMessage(const std::string& host, const Json& r, const char* caption,
                           bool oneline) {
  int rc = r.value("rc", -1);
  std::string out = r.value("stdout", "");
  std::string err = r.value("stderr", "");
  if (oneline) {
    std::string line =
        fmt::format("{} | {} | rc={} | (stdout) {}", host, caption, rc, Escaped(out));
    if (!err.empty()) line += " (stderr) " + Escaped(err);
    return line + "\n";
  }
  return fmt::format("{} | {} | rc={} >>\n{}{}{}\n", host, caption, rc, out, err,
                     r.value("msg", ""));
}

// -o: Python's json.dumps(indent=0) with its newlines removed.
std::string Unwrapped(std::string text) {
  std::erase(text, '\n');
  return text;
}

}  // namespace

HostStatus StatusOf(const Json& r) {
  if (r.value("unreachable", false)) return HostStatus::kUnreachable;
  if (r.value("failed", false)) return HostStatus::kFailed;
  if (r.value("skipped", false)) return HostStatus::kSkipped;
  if (r.value("changed", false)) return HostStatus::kChanged;
  return HostStatus::kOk;
}

std::string FormatAdhocResult(const std::string& host, const std::string& module, const Json& r,
                              bool oneline) {
  HostStatus status = StatusOf(r);
  if (status == HostStatus::kUnreachable) {
    if (oneline) return fmt::format("{} | UNREACHABLE!: {}\n", host, r.value("msg", ""));
    return fmt::format("{} | UNREACHABLE! => {}\n", host, DumpSorted(r, 4));
  }
  if (status == HostStatus::kSkipped) return fmt::format("{} | SKIPPED\n", host);
  bool as_command = IsCommandModule(module) && !r.contains("module_stderr");
  if (status == HostStatus::kFailed) {
    if (as_command) return CommandMessage(host, r, "FAILED", oneline);
    if (oneline) return fmt::format("{} | FAILED! => {}\n", host, Unwrapped(DumpSorted(r, 0)));
    return fmt::format("{} | FAILED! => {}\n", host, DumpSorted(r, 4));
  }
  const char* state = status == HostStatus::kChanged ? "CHANGED" : "SUCCESS";
  if (as_command) return CommandMessage(host, r, state, oneline);
  if (oneline) return fmt::format("{} | {} => {}\n", host, state, Unwrapped(DumpSorted(r, 0)));
  return fmt::format("{} | {} => {}\n", host, state, DumpSorted(r, 4));
}

int AdhocExitCode(const std::vector<HostStatus>& statuses) {
  bool failed = false;
  for (HostStatus s : statuses) {
    if (s == HostStatus::kUnreachable) return kExitUnreachable;
    if (s == HostStatus::kFailed) failed = true;
  }
  return failed ? kExitHostFailed : kExitOk;
}

}  // namespace tend
