#include "modules/host/child_stop.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>

namespace tend {
namespace {

std::atomic<int> controller_fd{-1};
std::atomic<pid_t> running_group{0};

void OnStopSignal(int sig) {
  StopRunningGroup();
  ::_exit(128 + sig);
}

}  // namespace

void SetControllerFd(int fd) { controller_fd = fd; }
int ControllerFd() { return controller_fd; }
void SetRunningGroup(pid_t group) { running_group = group; }

void StopRunningGroup() {
  pid_t group = running_group.exchange(0);
  if (group <= 0) return;
  if (::kill(-group, SIGTERM) != 0) return;  // already gone
  // A command that traps TERM gets a moment to clean up, then no choice.
  timespec grace{0, 200 * 1000 * 1000};
  ::nanosleep(&grace, nullptr);
  ::kill(-group, SIGKILL);
}

void InstallStopHandlers() {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  for (int sig : {SIGTERM, SIGHUP, SIGINT}) ::sigaction(sig, &action, nullptr);
}

}  // namespace tend
