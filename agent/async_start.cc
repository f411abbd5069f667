#include "agent/async_start.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "modules/host/child_stop.h"
#include "modules/host/docker_api.h"
#include "modules/host/network.h"
#include "modules/host/real_host.h"
#include "modules/system/async_job.h"

namespace tend {
namespace {

std::string NewJobId() {
  std::random_device seed;
  std::uniform_int_distribution<uint64_t> digits(0, 999999999999ULL);
  return fmt::format("j{}.{}", digits(seed), ::getpid());
}

// The job's processes must not hold the agent's stdin/stdout (the SSH
// channel), or the session could not end while the job runs. Nor may they
// watch the controller's channel for a hangup: that fd is closed here, and
// a job outlives the session by design (modules/host/child_stop.h).
void Detach() {
  SetControllerFd(-1);
  ::setsid();
  int null = ::open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; ++fd) ::dup2(null, fd);
  for (int fd = 3; fd < 1024; ++fd) ::close(fd);
}

[[noreturn]] void RunJob(const Module& module, const Json& args, bool check,
                         const std::string& jid, const std::string& path) {
  ::setpgid(0, 0);  // the watcher kills the module and whatever it started
  RealHost host;
  SystemNetwork network;
  ModuleContext context{.args = args,
                        .check = check,
                        .diff = false,
                        .host = &host,
                        .fetch_content = {},
                        .network = &network,
                        .docker = UnixSocketConnector()};
  Json result = RunModule(module, context);
  result["ansible_job_id"] = jid;
  (void)WriteAsyncJob(host, path, result);
  ::_exit(0);
}

// Waits for the module's process; after `seconds` kills its process group
// and records the timeout as async_wrapper does.
[[noreturn]] void Watch(pid_t job, int64_t seconds, const std::string& path) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(job, &status, WNOHANG) == job) ::_exit(0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(-job, SIGKILL);
  ::waitpid(job, nullptr, 0);
  RealHost host;
  (void)WriteAsyncJob(host, path,
                      Json{{"failed", true}, {"msg", "Timeout exceeded"}, {"child_pid", job}});
  ::_exit(0);
}

}  // namespace

Json StartAsyncJob(const Module& module, const Json& args, bool check, int64_t seconds,
                   Host& host) {
  std::string dir = AsyncDir(host);
  if (auto info = host.Stat(dir); !info || !info->exists()) {
    if (auto ok = host.MakeDirectory(dir, 0700); !ok) return FailedResult(ok.error().message);
  }
  std::string jid = NewJobId();
  std::string path = dir + "/" + jid;
  Json started = AsyncStartedRecord(jid, path);
  if (auto ok = WriteAsyncJob(host, path, started); !ok) return FailedResult(ok.error().message);
  std::fflush(nullptr);
  pid_t child = ::fork();
  if (child < 0) return FailedResult(fmt::format("cannot start the async job: fork failed"));
  if (child == 0) {
    // Double fork: the job is re-parented to init and never becomes the
    // agent's zombie; the agent reaps only this short-lived child.
    Detach();
    if (::fork() != 0) ::_exit(0);
    pid_t job = ::fork();
    if (job == 0) RunJob(module, args, check, jid, path);
    if (job < 0) ::_exit(1);
    Watch(job, seconds, path);
  }
  ::waitpid(child, nullptr, 0);
  started["changed"] = true;
  return started;
}

}  // namespace tend
