#include <atomic>
#include <thread>

#include "controller/connection/session_pool.h"

namespace tend {

SessionPool::Slot& SessionPool::SlotFor(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto& slot = slots_[name];
  if (!slot) slot = std::make_unique<Slot>();
  return *slot;
}

Expected<HostSession*> SessionPool::Get(const HostTarget& target) {
  // A task's port, remote_user or connection keyword reaches the same host
  // another way: that is another session.
  Slot& slot = SlotFor(target.name + '\n' + target.user + '\n' + std::to_string(target.port) +
                       '\n' + std::to_string(static_cast<int>(target.connection)));
  std::call_once(slot.once, [&] {
    auto opened = factory_.Open(target);
    if (opened) {
      slot.session = std::move(*opened);
    } else {
      slot.error = opened.error();
    }
  });
  if (slot.error) return std::unexpected(*slot.error);
  return slot.session.get();
}

void SessionPool::OpenAll(const std::vector<HostTarget>& targets, int forks) {
  ForEachParallel(targets.size(), forks, [&](size_t i) { (void)Get(targets[i]); });
}

void SessionPool::CloseAll() {
  std::lock_guard lock(mutex_);
  for (auto& [name, slot] : slots_) {
    if (slot->session) slot->session->Close();
  }
}

void ForEachParallel(size_t count, int forks, const std::function<void(size_t)>& fn) {
  size_t workers = std::min(count, static_cast<size_t>(std::max(forks, 1)));
  if (workers <= 1) {
    for (size_t i = 0; i < count; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < count; i = next++) fn(i);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace tend
