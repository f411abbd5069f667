#include "modules/host/network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "modules/parsers/netpg_parsers.h"

namespace tend {
namespace {

class SocketStream : public NetStream {
 public:
  explicit SocketStream(int fd) : fd_(fd) {}
  ~SocketStream() override { ::close(fd_); }

  Expected<void> Send(std::string_view data) override {
    while (!data.empty()) {
      // MSG_NOSIGNAL: a peer that closed early must fail the task, not kill the agent.
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Fail(fmt::format("send failed: {}", std::strerror(errno)));
      data.remove_prefix(static_cast<size_t>(n));
    }
    return {};
  }

  Expected<size_t> Receive(std::string& out, int timeout_ms) override {
    pollfd p{fd_, POLLIN, 0};
    int ready = 0;
    while ((ready = ::poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
    }
    if (ready == 0) return Fail("timed out reading from the connection");
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::recv(fd_, buffer, sizeof buffer, 0)) < 0 && errno == EINTR) {
    }
    if (n < 0) return Fail(fmt::format("read failed: {}", std::strerror(errno)));
    out.append(buffer, static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }

 private:
  int fd_;
};

// Fills a sockaddr for a numeric address; false when it is not numeric.
bool MakeAddress(const std::string& address, int port, sockaddr_storage& storage,
                 socklen_t& length) {
  std::memset(&storage, 0, sizeof storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  std::string bare = address;
  if (bare.starts_with('[') && bare.ends_with(']')) bare = bare.substr(1, bare.size() - 2);
  if (::inet_pton(AF_INET6, bare.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    length = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// A non-blocking connect bounded by `timeout_ms`, then back to blocking.
Expected<int> ConnectWithTimeout(const sockaddr_storage& address, socklen_t length,
                                 int timeout_ms) {
  int fd = ::socket(address.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Fail(fmt::format("socket failed: {}", std::strerror(errno)));
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&address), length);
  int err = rc == 0 ? 0 : errno;
  if (err == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, timeout_ms);
    if (ready == 0) {
      ::close(fd);
      return Fail("timed out");
    }
    socklen_t size = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &size);
  }
  if (err != 0) {
    ::close(fd);
    return Fail(std::strerror(err));
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

Expected<std::unique_ptr<NetStream>> SystemNetwork::Connect(const std::string& address, int port,
                                                            int timeout_ms) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  if (!MakeAddress(address, port, storage, length)) {
    return Fail(fmt::format("'{}' is not a numeric address", address));
  }
  auto fd = ConnectWithTimeout(storage, length, timeout_ms);
  if (!fd) return std::unexpected(fd.error());
  return std::make_unique<SocketStream>(*fd);
}

void SystemNetwork::SleepMicros(int64_t micros) {
  std::this_thread::sleep_for(std::chrono::microseconds(micros));
}

bool IsNumericAddress(std::string_view text) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  return MakeAddress(std::string(text), 0, storage, length);
}

std::vector<std::string> LookupHostsFile(std::string_view content, std::string_view name) {
  std::vector<std::string> found;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    start = end + 1;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> fields = SplitFields(line);
    for (size_t f = 1; f < fields.size(); ++f) {
      // Host names compare case-insensitively, as the resolver does.
      bool same = fields[f].size() == name.size() &&
                  std::equal(name.begin(), name.end(), fields[f].begin(),
                             [](char a, char b) { return std::tolower(a) == std::tolower(b); });
      if (same && IsNumericAddress(fields[0])) {
        found.emplace_back(fields[0]);
        break;
      }
    }
  }
  return found;
}

Expected<std::string> ResolveName(Host& host, const std::string& name) {
  if (IsNumericAddress(name)) {
    if (name.starts_with('[')) return name.substr(1, name.size() - 2);
    return name;
  }
  auto hosts = host.ReadFile("/etc/hosts");
  std::vector<std::string> found = hosts ? LookupHostsFile(*hosts, name) : std::vector<std::string>{};
  // Prefer IPv4: services in these estates listen on 0.0.0.0 more often than [::].
  for (const auto& a : found) {
    if (a.find(':') == std::string::npos) return a;
  }
  if (!found.empty()) return found.front();
  if (name == "localhost") return std::string("127.0.0.1");
  return Fail(fmt::format(
      "could not resolve host name '{}': the agent resolves names only through /etc/hosts "
      "(it is static and does not use DNS); use an IP address or add it to /etc/hosts",
      name));
}

}  // namespace tend
