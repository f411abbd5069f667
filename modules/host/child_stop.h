#pragma once

// Stopping what the agent runs when the controller goes away (issue 21): a
// task `timeout:`, Ctrl-C in `tend play`, or a dropped connection must not
// leave the module's command running on the host.
//
// Every command RealHost runs gets its own process group. The agent stops
// that group, SIGTERM then SIGKILL, when
//   - it receives SIGTERM, SIGHUP or SIGINT (the controller sends TERM over
//     the SSH channel; sudo relays it), and then exits, or
//   - the controller's end of its stdin closes while a command runs (the
//     controller closed the channel, or the connection dropped).

#include <sys/types.h>

namespace tend {

/// The fd whose hangup means the controller is gone (the agent's protocol
/// input); -1 (the default, `tend-agent run`) watches nothing.
void SetControllerFd(int fd);
int ControllerFd();

/// Records the process group of the command now running (0: none).
void SetRunningGroup(pid_t group);

/// Stops the running group, if any: SIGTERM, a short grace, SIGKILL.
/// Async-signal-safe.
void StopRunningGroup();

/// Installs handlers for SIGTERM, SIGHUP and SIGINT that stop the running
/// group and exit with 128 + the signal.
void InstallStopHandlers();

}  // namespace tend
