#pragma once

// The controller's view of an open host (issue 3): a session that runs
// modules through the host's agent, and the factory that opens one.
//
// Error convention: an Error returned by a HostSession or SessionFactory means
// the host is UNREACHABLE (could not connect, authenticate, or the connection
// dropped). Everything else, including a become failure ("Missing sudo
// password") or a module failure, comes back as a result Json with
// "failed": true, exactly as Ansible reports it.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "controller/connection/host_target.h"
#include "controller/connection/module_call.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

struct ExecResult {
  int rc = -1;
  std::string out;
  std::string err;
};

/// Counters a session keeps, for -v output and tests.
struct SessionStats {
  int agent_uploads = 0;
  int agent_starts = 0;
  int requests = 0;
};

/// An open connection to one host, reused for every task of a run. Not
/// thread-safe across calls: one task at a time per host (the real session
/// serialises callers anyway). Agents start lazily, one per become user.
class HostSession {
 public:
  virtual ~HostSession() = default;
  virtual const HostTarget& Target() const = 0;
  /// Runs a module through the agent (raw and script run without it). The
  /// result carries Ansible's fields: changed, failed, msg, rc, stdout, ...
  virtual Expected<Json> Run(const ModuleCall& call) = 0;
  /// Facts as `setup` returns them: {"ansible_facts": {...}, "changed": false};
  /// `args` are setup's (gather_subset, gather_timeout, filter, fact_path).
  virtual Expected<Json> Facts(std::optional<bool> become = std::nullopt,
                               const Json& args = Json::object()) = 0;
  /// A shell command without the agent (the `raw` module), with become if asked.
  virtual Expected<ExecResult> Exec(const std::string& command, std::optional<bool> become = {},
                                    std::string_view stdin_data = {}) = 0;
  virtual SessionStats Stats() const = 0;
  /// Stops the agents (sends bye) and closes the connection. Idempotent.
  virtual void Close() = 0;
};

/// Opens sessions. The real factory (real_session.h) connects over SSH
/// (libssh) or starts local processes; tests use FakeSessionFactory
/// (fake_session.h).
class SessionFactory {
 public:
  virtual ~SessionFactory() = default;
  /// An Error means the host is unreachable; its message is what to show.
  virtual Expected<std::unique_ptr<HostSession>> Open(const HostTarget& target) = 0;
};

/// Ansible's result for an unreachable host.
Json UnreachableResult(const Error& error);

}  // namespace tend
