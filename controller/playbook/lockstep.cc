#include "controller/playbook/lockstep.h"

namespace tend {

Lockstep::Lockstep(bool linear, size_t hosts, Hooks hooks, bool one_at_a_time)
    : linear_(linear),
      one_at_a_time_(one_at_a_time),
      hooks_(std::move(hooks)),
      active_(hosts),
      released_(hosts, false),
      is_running_(hosts, false) {}

int Lockstep::Running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

void Lockstep::Arrive(size_t host, const Position& position, const Task* task, const char* kind,
                      bool leader_only) {
  std::unique_lock lock(mutex_);
  if (is_running_[host]) {
    is_running_[host] = false;
    --running_;
  }
  if (!linear_) {
    // Free strategy: a banner whenever a host starts a task nobody printed last.
    Group g{task, kind, position, {host}};
    bool repeat = task == last_banner_task_;
    last_banner_task_ = task;
    if (hooks_.released) hooks_.released(g, repeat);
    is_running_[host] = true;
    ++running_;
    return;
  }
  waiting_[host] = Waiting{position, task, kind, leader_only};
  DispatchLocked();
  cv_.wait(lock, [&] { return released_[host]; });
  released_[host] = false;
}

void Lockstep::Finish(size_t host) {
  std::lock_guard lock(mutex_);
  if (is_running_[host]) {
    is_running_[host] = false;
    --running_;
  }
  waiting_.erase(host);
  --active_;
  if (linear_) DispatchLocked();
}

void Lockstep::DispatchLocked() {
  if (running_ > 0 || waiting_.size() < active_) return;
  bool group_continues = false;
  for (const auto& [h, w] : waiting_) {
    if (have_current_ && w.position == current_.position && w.task == current_.task) {
      group_continues = true;
    }
  }
  // The rest of a group released one at a time is still the same task.
  if (have_current_ && hooks_.finished && !group_continues) hooks_.finished(current_);
  have_current_ = false;
  if (waiting_.empty()) return;
  const Waiting* best = nullptr;
  for (const auto& [h, w] : waiting_) {
    if (best == nullptr || w.position < best->position) best = &w;
  }
  Group g{best->task, best->kind, best->position, {}};
  bool leader_only = best->leader_only;
  for (const auto& [h, w] : waiting_) {
    if (w.position == g.position && w.task == g.task) g.hosts.push_back(h);
  }
  bool repeat = g.task == last_banner_task_ && g.position == last_banner_position_;
  // run_once: the leader runs alone; the rest follow once it is done.
  if ((leader_only && !repeat) || one_at_a_time_) g.hosts.resize(1);
  last_banner_task_ = g.task;
  last_banner_position_ = g.position;
  if (hooks_.released) hooks_.released(g, repeat);
  for (size_t h : g.hosts) {
    waiting_.erase(h);
    released_[h] = true;
    is_running_[h] = true;
  }
  running_ = static_cast<int>(g.hosts.size());
  current_ = std::move(g);
  have_current_ = true;
  cv_.notify_all();
}

}  // namespace tend
