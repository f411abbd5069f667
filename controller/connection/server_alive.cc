#include "controller/connection/server_alive.h"

#include <fmt/format.h>
#include <linux/tcp.h>  // tcp_info with tcpi_bytes_received; glibc's lacks it
#include <netinet/in.h>  // IPPROTO_TCP
#include <sys/socket.h>

#include <algorithm>
#include <cstddef>

namespace tend {

ServerAlive::ServerAlive(int interval_seconds, int count_max, Clock::time_point now)
    : interval_(std::chrono::seconds(std::max(interval_seconds, 0))),
      count_max_(std::max(count_max, 1)),
      last_heard_(now) {}

void ServerAlive::Heard(Clock::time_point now) {
  last_heard_ = now;
  probes_ = 0;
}

ServerAlive::Action ServerAlive::Due(Clock::time_point now) {
  if (interval_.count() == 0) return Action::kWait;
  auto silent = now - last_heard_;
  if (silent >= interval_ * count_max_) return Action::kGiveUp;
  if (silent >= interval_ * (probes_ + 1)) {
    ++probes_;
    return Action::kProbe;
  }
  return Action::kWait;
}

int ServerAlive::MillisUntilDue(Clock::time_point now) const {
  if (interval_.count() == 0) return -1;
  auto next = last_heard_ + interval_ * (probes_ + 1);
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1LL << 30));
}

std::string ServerAlive::GiveUpMessage(const std::string& host) const {
  auto interval = std::chrono::duration_cast<std::chrono::seconds>(interval_).count();
  return fmt::format(
      "Timeout, server {} not responding (no reply for {} s: ServerAliveInterval {} x "
      "ServerAliveCountMax {})",
      host, interval * count_max_, interval, count_max_);
}

std::optional<uint64_t> SocketBytesReceived(int fd) {
  tcp_info info{};
  socklen_t size = sizeof info;
  if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &size) != 0) return std::nullopt;
  if (size < offsetof(tcp_info, tcpi_bytes_received) + sizeof info.tcpi_bytes_received) {
    return std::nullopt;  // an old kernel
  }
  return info.tcpi_bytes_received;
}

}  // namespace tend
