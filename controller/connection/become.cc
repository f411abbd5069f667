#include "controller/connection/become.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "controller/connection/ssh_config.h"

namespace tend {
namespace {

// Ansible's sudo plugin: its flags (tend's default "-H -S"), without -n and
// with -p PROMPT when a password will be typed, -n when none will.
std::string SudoFlags(const std::string& given, bool has_password, const std::string& prompt) {
  if (given.empty()) return has_password ? "-H -S -p " + SingleQuote(prompt) : "-H -S -n";
  if (!has_password) return given;
  std::string flags;
  size_t at = 0;
  while (at < given.size()) {
    size_t end = given.find(' ', at);
    std::string word = given.substr(at, end == std::string::npos ? end : end - at);
    if (!word.empty() && word != "-n") flags += (flags.empty() ? "" : " ") + word;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return (flags.empty() ? "" : flags + " ") + "-p " + SingleQuote(prompt);
}

}  // namespace

std::optional<RunAs> ResolveRunAs(bool become, const BecomeSettings& settings,
                                  const std::string& become_user, const std::string& login_user) {
  if (!become) return std::nullopt;
  std::string user = become_user.empty() ? "root" : become_user;
  if (user == login_user) return std::nullopt;
  return RunAs{user, settings.method, settings.password.has_value(), settings.flags, settings.exe};
}

Expected<std::string> WrapCommand(const std::string& script, const std::optional<RunAs>& run_as,
                                  const std::string& prompt) {
  std::string shell = "/bin/sh -c " + SingleQuote(script);
  if (!run_as) return shell;
  if (run_as->method == BecomeMethod::kSu) {
    // su reads a password from a terminal only; tend opens none.
    if (run_as->has_password) {
      return Fail("become_method su with a password is not supported; use sudo");
    }
    std::string flags = run_as->flags.empty() ? "" : run_as->flags + " ";
    return fmt::format("{} {}-s /bin/sh {} -c {}", run_as->exe.empty() ? "su" : run_as->exe, flags,
                       SingleQuote(run_as->user), SingleQuote(script));
  }
  return fmt::format("{} {} -u {} -- {}", run_as->exe.empty() ? "sudo" : run_as->exe,
                     SudoFlags(run_as->flags, run_as->has_password, prompt),
                     SingleQuote(run_as->user), shell);
}

std::string AgentFileName(const std::string& sha256) { return "agent-" + sha256.substr(0, 16); }

// Before the checksum and exec, the cache directory is made safe to run from
// (issue 21): one owned by another user is refused; group- or world-writable
// modes (someone could swap the binary between check and exec) are fixed, with
// a "tend: " line on stderr that the controller shows as a warning; and
// interrupted uploads (.agent-<sha>.<pid> whose pid is gone) are removed.
std::string AgentStartScript(const std::string& sha256) {
  return fmt::format(
      "d=\"$HOME/.cache/tend\"; f=\"$d/{0}\"; "
      "if [ -d \"$d\" ]; then "
      "[ -O \"$d\" ] || {{ echo \"tend: refusing to run the agent from $d: it belongs to "
      "another user; remove it\" >&2; exit {3}; }}; "
      "if [ -n \"$(find \"$d\" \"$f\" -maxdepth 0 -perm /022 2>/dev/null)\" ]; then "
      "chmod go-w \"$d\" \"$f\" 2>/dev/null; "
      "echo \"tend: $d was writable by other users; removed their write permission\" >&2; fi; "
      "for t in \"$d\"/.agent-*.*; do [ -e \"$t\" ] && [ ! -d \"/proc/${{t##*.}}\" ] && "
      "rm -f \"$t\"; done; fi; "
      "[ \"$(sha256sum < \"$f\" 2>/dev/null)\" = \"{1}  -\" ] && exec \"$f\" serve; exit {2}",
      AgentFileName(sha256), sha256, kAgentMissingStatus, kAgentRefusedStatus);
}

std::vector<size_t> AgentUploadChunks(size_t size) {
  std::vector<size_t> chunks;
  for (size_t at = 0; at < size; at += kAgentUploadChunk) {
    chunks.push_back(std::min(kAgentUploadChunk, size - at));
  }
  return chunks;
}

std::string AgentUploadScript(const std::string& sha256, size_t size) {
  return fmt::format(
      "umask 077; d=\"$HOME/.cache/tend\"; mkdir -p \"$d\" || exit 1; t=\"$d/.{0}.$$\"; "
      ": > \"$t\" && for n in {1}; do head -c $n >> \"$t\" && echo . || break; done; "
      "if [ \"$(sha256sum < \"$t\")\" = \"{2}  -\" ]; then chmod 700 \"$t\" && "
      "mv -f \"$t\" \"$d/{0}\" && exit 0; fi; "
      "rm -f \"$t\"; echo \"tend: the agent upload to $d arrived corrupted\" >&2; exit 1",
      AgentFileName(sha256), fmt::join(AgentUploadChunks(size), " "), sha256);
}

}  // namespace tend
