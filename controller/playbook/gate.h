#pragma once

#include <algorithm>
#include <condition_variable>
#include <mutex>

namespace tend {

/// A counting gate: at most `slots` holders at once (forks, a task's throttle).
class Gate {
 public:
  explicit Gate(int slots) : slots_(std::max(1, slots)) {}
  void Acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return slots_ > 0; });
    --slots_;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      ++slots_;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int slots_;
};

/// Holds a slot of `gate` (none when null) for its lifetime.
class GateHold {
 public:
  explicit GateHold(Gate* gate) : gate_(gate) {
    if (gate_) gate_->Acquire();
  }
  ~GateHold() {
    if (gate_) gate_->Release();
  }
  GateHold(const GateHold&) = delete;
  GateHold& operator=(const GateHold&) = delete;

 private:
  Gate* gate_;
};

}  // namespace tend
