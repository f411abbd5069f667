#include "controller/connection/become.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "controller/connection/ssh_config.h"

namespace tend {

std::optional<RunAs> ResolveRunAs(bool become, const BecomeSettings& settings,
                                  const std::string& become_user, const std::string& login_user) {
  if (!become) return std::nullopt;
  std::string user = become_user.empty() ? "root" : become_user;
  if (user == login_user) return std::nullopt;
  return RunAs{user, settings.method, settings.password.has_value()};
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
    return fmt::format("su -s /bin/sh {} -c {}", SingleQuote(run_as->user), SingleQuote(script));
  }
  std::string auth = run_as->has_password ? "-p " + SingleQuote(prompt) : "-n";
  return fmt::format("sudo -H -S {} -u {} -- {}", auth, SingleQuote(run_as->user), shell);
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
