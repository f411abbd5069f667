#pragma once

// One session per host for a whole run, and the bounded parallel loop that
// opens them (-f / forks).

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "controller/connection/host_session.h"
#include "core/error.h"

namespace tend {

/// One session per host for a whole run, opened on first use and kept until
/// CloseAll. Thread-safe: different hosts may be opened and used concurrently.
class SessionPool {
 public:
  explicit SessionPool(SessionFactory& factory) : factory_(factory) {}
  ~SessionPool() { CloseAll(); }

  /// The host's session, opening it if needed. A host that failed to open
  /// stays unreachable for the rest of the run (the same Error again).
  Expected<HostSession*> Get(const HostTarget& target);
  /// Opens all targets with at most `forks` connects in flight.
  void OpenAll(const std::vector<HostTarget>& targets, int forks);
  void CloseAll();

 private:
  struct Slot {
    std::once_flag once;
    std::unique_ptr<HostSession> session;
    std::optional<Error> error;
  };
  Slot& SlotFor(const std::string& name);

  SessionFactory& factory_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<Slot>> slots_;
};

/// Calls fn(i) for i in [0, count) on up to `forks` threads.
void ForEachParallel(size_t count, int forks, const std::function<void(size_t)>& fn);

}  // namespace tend
