#pragma once

// Ctrl-C in `tend play` or `tend run` (issue 21). Ansible prints "User
// interrupted execution" and exits 99; tend does the same, but first stops
// what runs on the hosts: every call waiting on an agent notices the
// interrupt, asks the agent to stop its command (RemoteProcess::Interrupt)
// and then waits for the process to exit, printing nothing more.

#include <chrono>

namespace tend {

/// Marks the run as interrupted (from the thread that caught SIGINT).
void RequestInterrupt();
bool InterruptRequested();

/// Held by each call while it waits on a host, so that the interrupt can
/// wait until every remote command has been told to stop.
class InFlightCall {
 public:
  InFlightCall();
  ~InFlightCall();
  InFlightCall(const InFlightCall&) = delete;
  InFlightCall& operator=(const InFlightCall&) = delete;
};

/// Waits until no call is in flight, or `limit` passes; true if none is.
bool WaitForInFlightCalls(std::chrono::milliseconds limit);

/// For a call that stopped its host's command after an interrupt: it must not
/// report anything, since the process is about to exit. Never returns.
[[noreturn]] void ParkUntilExit();

/// Blocks SIGINT in the calling thread (call before starting any other) and
/// starts a thread that, on SIGINT, interrupts the run, waits up to `grace`
/// for the hosts' commands to be stopped, prints Ansible's message and exits 99.
void HandleInterrupts(std::chrono::milliseconds grace = std::chrono::seconds(5));

}  // namespace tend
