#pragma once

// The network seam for wait_for, uri and get_url: TCP streams to numeric
// addresses, name resolution through /etc/hosts (the agent is static, so no
// getaddrinfo), and sleeping. Modules reach it through their context
// (ModuleContext::network): the agent passes a SystemNetwork, unit tests a fake
// so no socket is ever opened.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "modules/host/host.h"

namespace tend {

/// A connected byte stream.
class NetStream {
 public:
  virtual ~NetStream() = default;
  virtual Expected<void> Send(std::string_view data) = 0;
  /// Appends what arrives within `timeout_ms` to `out`; returns the byte
  /// count, 0 at end of stream. A timeout is an error.
  virtual Expected<size_t> Receive(std::string& out, int timeout_ms) = 0;
};

class Network {
 public:
  virtual ~Network() = default;
  /// Connects to a numeric IPv4/IPv6 address. A refused or timed-out connect
  /// is an error whose message says which.
  virtual Expected<std::unique_ptr<NetStream>> Connect(const std::string& address, int port,
                                                       int timeout_ms) = 0;
  virtual void SleepMicros(int64_t micros) = 0;
};

/// The machine's own sockets and clock.
class SystemNetwork final : public Network {
 public:
  Expected<std::unique_ptr<NetStream>> Connect(const std::string& address, int port,
                                               int timeout_ms) override;
  void SleepMicros(int64_t micros) override;
};

/// True for a numeric IPv4 or IPv6 address.
bool IsNumericAddress(std::string_view text);

/// Addresses for `name` from /etc/hosts content, in file order.
std::vector<std::string> LookupHostsFile(std::string_view hosts_content, std::string_view name);

/// A numeric address for `name`: itself when numeric, else from the host's
/// /etc/hosts ("localhost" falls back to 127.0.0.1). Fails clearly otherwise.
Expected<std::string> ResolveName(Host& host, const std::string& name);

}  // namespace tend
