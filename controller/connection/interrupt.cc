#include "controller/connection/interrupt.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace tend {
namespace {

// Ansible's exit code for KeyboardInterrupt (lib/ansible/cli/__init__.py).
constexpr int kExitInterrupted = 99;

std::atomic<bool> interrupted{false};
std::mutex in_flight_mutex;
std::condition_variable in_flight_changed;
int in_flight = 0;

}  // namespace

void RequestInterrupt() { interrupted = true; }
bool InterruptRequested() { return interrupted; }

InFlightCall::InFlightCall() {
  std::lock_guard lock(in_flight_mutex);
  ++in_flight;
}

InFlightCall::~InFlightCall() {
  std::lock_guard lock(in_flight_mutex);
  --in_flight;
  in_flight_changed.notify_all();
}

bool WaitForInFlightCalls(std::chrono::milliseconds limit) {
  std::unique_lock lock(in_flight_mutex);
  return in_flight_changed.wait_for(lock, limit, [] { return in_flight == 0; });
}

void ParkUntilExit() {
  for (;;) std::this_thread::sleep_for(std::chrono::hours(1));
}

namespace {

// Blocks SIGINT here (and in the threads started after) and waits for it
// in a thread of its own, where it is an ordinary event, not a signal handler.
void StartInterruptThread(std::chrono::milliseconds grace) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set, grace] {
    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    RequestInterrupt();
    WaitForInFlightCalls(grace);
    std::fputs("ERROR! User interrupted execution\n", stderr);
    std::fflush(stdout);
    ::_exit(kExitInterrupted);
  }).detach();
}

}  // namespace

void HandleInterrupts(std::chrono::milliseconds grace) {
  static std::once_flag once;
  std::call_once(once, [grace] { StartInterruptThread(grace); });
}

}  // namespace tend
