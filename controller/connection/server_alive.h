#pragma once

// ServerAliveInterval / ServerAliveCountMax (issue 21): a host that stops
// answering (frozen, or its network gone) must not hang the run. While the
// controller waits on a host, every `interval` of silence from it sends a
// probe the server must answer; after `count_max` intervals without a byte
// from it, the host is given up as unreachable, as OpenSSH's client does.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace tend {

/// The defaults when neither ssh config, ssh args nor the command line say:
/// OpenSSH's count and an interval that gives up on a dead host within a minute.
inline constexpr int kDefaultServerAliveInterval = 15;
inline constexpr int kDefaultServerAliveCountMax = 3;

class ServerAlive {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Action { kWait, kProbe, kGiveUp };

  /// An interval of 0 (or less) turns the checks off, as in OpenSSH.
  ServerAlive(int interval_seconds, int count_max, Clock::time_point now);

  /// Something arrived from the server.
  void Heard(Clock::time_point now);
  /// What to do now: probe once per silent interval, give up after count_max.
  Action Due(Clock::time_point now);
  /// How long a wait may block before Due() must be asked again; -1: forever.
  int MillisUntilDue(Clock::time_point now) const;
  /// "Timeout, server HOST not responding (no reply for 45 s: ...)".
  std::string GiveUpMessage(const std::string& host) const;

 private:
  Clock::duration interval_;
  int count_max_;
  Clock::time_point last_heard_;
  int probes_ = 0;
};

/// How many bytes the kernel has received on TCP socket `fd` so far, or
/// nothing when `fd` is not a TCP socket. It counts bytes whoever reads them:
/// libssh often takes the answer to a probe off the socket inside a channel
/// read, before a poll(2) of ours could see it.
std::optional<uint64_t> SocketBytesReceived(int fd);

}  // namespace tend
