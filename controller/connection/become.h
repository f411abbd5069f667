#pragma once

// Command lines for become and for the agent's deployment. Pure functions:
// the shell text they build is pinned by unit tests, and a password never
// appears in it (sudo reads it from stdin after printing `prompt`).

#include <optional>
#include <string>
#include <vector>

#include "controller/connection/connection_options.h"
#include "core/error.h"

namespace tend {

/// Who runs a command: nothing = the login user.
struct RunAs {
  std::string user;
  BecomeMethod method = BecomeMethod::kSudo;
  bool has_password = false;
  std::string flags;  // become_flags; empty = tend's defaults
  std::string exe;    // become_exe; empty = sudo or su
};

/// The RunAs for a call, or nothing when no become is needed (not asked, or
/// the login user already is the become user).
std::optional<RunAs> ResolveRunAs(bool become, const BecomeSettings& settings,
                                  const std::string& become_user, const std::string& login_user);

/// `script` run by /bin/sh as `run_as` (sudo -H -S -n / -p PROMPT, or su).
Expected<std::string> WrapCommand(const std::string& script, const std::optional<RunAs>& run_as,
                                  const std::string& prompt);

/// The agent's content-addressed name: "agent-" + the first 16 hex digits.
std::string AgentFileName(const std::string& sha256);

/// Verifies the cached agent and execs `serve`; exits 97 when it is missing
/// or its checksum is wrong (a corrupt agent is never executed). First it
/// fixes a cache directory writable by others (saying so on stderr), refuses
/// one owned by another user (exit 96), and removes interrupted uploads.
std::string AgentStartScript(const std::string& sha256);
inline constexpr int kAgentMissingStatus = 97;
inline constexpr int kAgentRefusedStatus = 96;

/// The agent goes up in pieces of this size, each acknowledged by the host
/// before the next is sent. Sent as one stream, the data piles up in the
/// host's sshd (up to its 2 MB channel window) faster than it drains into the
/// pipe, and sshd's buffer handling then costs more than the transfer: perf
/// showed 40% of the host's CPU in sshd's memmove and 20% in page faults. On
/// the lab hosts a first ping went from 0.80 to 0.50 s on one host and from
/// 6.1-7.5 to 2.6-2.8 s on ten; 512 KiB pieces did as well, 256 KiB and
/// 2 MiB worse.
inline constexpr size_t kAgentUploadChunk = 1 << 20;

/// The sizes of the upload's pieces: full chunks, then the remainder.
std::vector<size_t> AgentUploadChunks(size_t size);

/// Reads exactly `size` bytes of stdin, in AgentUploadChunks pieces, each
/// acknowledged with a line on stdout, into a temp file beside the cache
/// entry; verifies the checksum, and renames it into place.
std::string AgentUploadScript(const std::string& sha256, size_t size);

}  // namespace tend
