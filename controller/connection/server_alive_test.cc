#include "controller/connection/server_alive.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tend {

TEST_CASE("ServerAlive probes once per silent interval and gives up after count_max") {
  using std::chrono::seconds;
  using Action = ServerAlive::Action;
  auto t0 = ServerAlive::Clock::time_point{};
  ServerAlive alive(15, 3, t0);
  CHECK(alive.MillisUntilDue(t0) == 15000);
  CHECK(alive.Due(t0 + seconds(14)) == Action::kWait);
  CHECK(alive.Due(t0 + seconds(15)) == Action::kProbe);
  CHECK(alive.Due(t0 + seconds(16)) == Action::kWait);  // one probe per interval
  CHECK(alive.MillisUntilDue(t0 + seconds(16)) == 14000);
  CHECK(alive.Due(t0 + seconds(30)) == Action::kProbe);
  CHECK(alive.Due(t0 + seconds(44)) == Action::kWait);
  CHECK(alive.Due(t0 + seconds(45)) == Action::kGiveUp);
  CHECK(alive.GiveUpMessage("10.0.0.5") ==
        "Timeout, server 10.0.0.5 not responding (no reply for 45 s: ServerAliveInterval 15 x "
        "ServerAliveCountMax 3)");
}

TEST_CASE("ServerAlive starts over whenever the server is heard, and 0 turns it off") {
  using std::chrono::seconds;
  using Action = ServerAlive::Action;
  auto t0 = ServerAlive::Clock::time_point{};
  ServerAlive alive(2, 2, t0);
  CHECK(alive.Due(t0 + seconds(2)) == Action::kProbe);
  alive.Heard(t0 + seconds(3));  // the probe's answer
  CHECK(alive.Due(t0 + seconds(4)) == Action::kWait);
  CHECK(alive.Due(t0 + seconds(5)) == Action::kProbe);
  CHECK(alive.Due(t0 + seconds(7)) == Action::kGiveUp);

  ServerAlive off(0, 3, t0);
  CHECK(off.Due(t0 + seconds(100000)) == Action::kWait);
  CHECK(off.MillisUntilDue(t0) == -1);
}

// The count goes up on bytes that someone else has already read, which is
// what lets a probe's answer count when libssh took it off the socket.
TEST_CASE("SocketBytesReceived counts what arrived on a TCP socket, read or not") {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(::connect(client, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  int server = ::accept(listener, nullptr, nullptr);
  REQUIRE(server >= 0);

  auto before = SocketBytesReceived(client);
  REQUIRE(before.has_value());
  REQUIRE(::write(server, "hello", 5) == 5);
  char buffer[5];
  REQUIRE(::read(client, buffer, 5) == 5);
  CHECK(SocketBytesReceived(client) == *before + 5);

  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  CHECK_FALSE(SocketBytesReceived(pipe_fds[0]).has_value());
  for (int fd : {listener, client, server, pipe_fds[0], pipe_fds[1]}) ::close(fd);
}

}  // namespace tend
