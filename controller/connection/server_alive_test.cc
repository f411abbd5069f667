#include "controller/connection/server_alive.h"

#include <doctest/doctest.h>

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

}  // namespace tend
