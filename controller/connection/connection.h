#pragma once

// The transport under a HostSession (docs/architecture.md, "Seams"): a Connection starts
// processes on the host; a RemoteProcess is one of them with its stdin,
// stdout and stderr. Real: SshConnection (libssh), LocalConnection (child
// processes via Boost.Process).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "controller/connection/host_session.h"
#include "core/error.h"

namespace tend {

struct ProcessOutput {
  std::string out;
  std::string err;
  bool eof = false;  // both streams closed; ExitStatus() is known
};

class RemoteProcess {
 public:
  virtual ~RemoteProcess() = default;
  virtual Expected<void> Write(std::string_view data) = 0;
  virtual Expected<void> CloseStdin() = 0;
  /// What arrived on stdout and stderr, waiting up to timeout_ms (-1: until
  /// something arrives or both streams end).
  virtual Expected<ProcessOutput> Read(int timeout_ms) = 0;
  /// The exit status once Read reported eof (-1 if unknown or killed).
  virtual int ExitStatus() = 0;
  /// Asks the process to stop (SIGTERM over SSH, or to the local child); the
  /// agent then stops the command it runs (modules/host/child_stop.h).
  virtual void Interrupt() = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  /// Starts `command` in the login user's shell on the host.
  virtual Expected<std::unique_ptr<RemoteProcess>> Start(const std::string& command) = 0;
  /// The user commands run as without become.
  virtual const std::string& LoginUser() const = 0;
  /// False once the transport itself is gone (then the host is unreachable).
  virtual bool Alive() const = 0;
};

/// The name of the user running the controller.
std::string LocalUserName();

/// Connects and authenticates; an Error is the UNREACHABLE message.
Expected<std::unique_ptr<Connection>> ConnectSsh(const HostTarget& target, bool verbose);
Expected<std::unique_ptr<Connection>> ConnectLocal(const HostTarget& target);

/// Runs a command to completion: writes stdin_data, closes stdin, collects output.
Expected<ExecResult> RunToCompletion(RemoteProcess& process, std::string_view stdin_data);

/// Like RunToCompletion, but writes stdin_data in pieces of the given sizes
/// and, after each, waits for the process to acknowledge it with a line on
/// stdout; the acknowledgement lines are not part of the result's out. The
/// sizes add up to stdin_data's. Stops sending when the process exits early.
/// Keeps the host's backlog short.
Expected<ExecResult> RunWithAcknowledgedChunks(RemoteProcess& process, std::string_view stdin_data,
                                               const std::vector<size_t>& chunk_sizes);

}  // namespace tend
