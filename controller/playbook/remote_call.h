#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "controller/connection/host_session.h"
#include "controller/connection/host_target.h"
#include "controller/connection/module_call.h"
#include "controller/connection/session_pool.h"
#include "controller/playbook/executor.h"
#include "controller/playbook/gate.h"
#include "controller/playbook/templating.h"
#include "core/task_environment.h"

namespace tend {

class HostWorker;
struct AsyncSettings;

/// Modules run on hosts: the connection target of each host (cached), the
/// sessions, delegate_to, become, check and diff, `throttle`, and the fork
/// limit on calls in flight. Thread-safe.
class RemoteCalls {
 public:
  RemoteCalls(HostCatalog& catalog, SessionFactory& sessions, const ExecOptions& options)
      : catalog_(catalog), options_(options), pool_(sessions), forks_(options.forks) {}

  /// Runs the task's module (with its controller half: template, copy, ...)
  /// on the worker's host or its delegate.
  Json Run(HostWorker& w, const Task& task, TaskTemplar& templar, Json args);
  /// The setup module's facts from `target`, or its unreachable result.
  Json Facts(const HostTarget& target, std::optional<bool> become, const Json& args);
  void CloseAll() { pool_.CloseAll(); }

 private:
  Expected<HostTarget> TargetFor(HostWorker& w, const Task& task, const std::string& host,
                                 TaskTemplar& templar);
  Gate* ThrottleFor(const Task& task, TaskTemplar& templar);
  template <typename Call>
  Json OnSession(const HostTarget& target, Call call);
  Json PollJob(const AsyncSettings& settings, const std::string& jid, const ModuleCall& started,
               const HostTarget& target);
  Json CallModule(HostWorker& w, const Task& task, TaskTemplar& templar, Json args,
                  ModuleCall& call, const HostTarget& target);
  Json RunPython(const Task& task, TaskTemplar& templar, Json args, ModuleCall& call,
                 const HostTarget& target, const TaskEnvironment& environment);
  Json PollPythonJob(const AsyncSettings& settings, Json started, const ModuleCall& call,
                     const HostTarget& target);

  HostCatalog& catalog_;
  const ExecOptions& options_;
  SessionPool pool_;
  Gate forks_;
  std::mutex mutex_;  // targets_ and throttles_
  std::map<std::string, HostTarget> targets_;
  std::map<const Task*, std::unique_ptr<Gate>> throttles_;
};

}  // namespace tend
