#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controller/playbook/model.h"

namespace tend {

/// Where a host is in a play: section, index, block part, index, ... Hosts
/// compare positions lexicographically, so the one furthest behind goes first.
using Position = std::vector<int>;

/// Makes host workers move together under the linear strategy: each host
/// arrives at its next task and waits; once every active host is waiting and
/// none is running, the hosts at the earliest position run that task
/// together. Under the free strategy hosts never wait. Thread-safe.
class Lockstep {
 public:
  struct Group {
    const Task* task = nullptr;
    const char* kind = "TASK";
    Position position;
    std::vector<size_t> hosts;
  };
  /// Called with the lock held when a group is released (print the banner)
  /// and when the previous group has finished (any_errors_fatal, max_fail_percentage).
  struct Hooks {
    std::function<void(const Group& group, bool repeat)> released;
    std::function<void(const Group& group)> finished;
  };

  /// With `one_at_a_time` (forks = 1) the hosts of a group run one after
  /// another in inventory order, as Ansible does.
  Lockstep(bool linear, size_t hosts, Hooks hooks, bool one_at_a_time = false);

  /// Blocks until host `host` may run `task`. `leader_only` releases the first
  /// host of the group alone first (run_once); the others come after it.
  void Arrive(size_t host, const Position& position, const Task* task, const char* kind,
              bool leader_only = false);
  /// The host has left the play (done, failed or ended).
  void Finish(size_t host);
  /// How many hosts are running their current task (for the status line).
  int Running() const;

 private:
  void DispatchLocked();

  bool linear_;
  bool one_at_a_time_;
  Hooks hooks_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  size_t active_;
  int running_ = 0;
  struct Waiting {
    Position position;
    const Task* task;
    const char* kind;
    bool leader_only;
  };
  std::map<size_t, Waiting> waiting_;
  std::vector<bool> released_;
  std::vector<bool> is_running_;
  Group current_;
  bool have_current_ = false;
  const Task* last_banner_task_ = nullptr;
  Position last_banner_position_;
};

}  // namespace tend
