#include "controller/connection/session_pool.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "controller/connection/fake_session.h"

namespace tend {

TEST_CASE("session pool: one open per host, unreachable stays unreachable") {
  FakeSessionFactory factory;
  factory.unreachable["h2"] = "Failed to connect to the host via ssh: refused";
  SessionPool pool(factory);
  std::vector<HostTarget> targets(3);
  targets[0].name = "h1";
  targets[1].name = "h2";
  targets[2].name = "h3";
  pool.OpenAll(targets, 3);
  CHECK(factory.opens == 3);
  for (int round = 0; round < 2; ++round) {
    for (const auto& t : targets) {
      auto s = pool.Get(t);
      if (t.name == "h2") {
        REQUIRE(!s);
        CHECK(s.error().message == "Failed to connect to the host via ssh: refused");
        continue;
      }
      REQUIRE(s);
      ModuleCall call;
      call.module = "ping";
      CHECK((*s)->Run(call)->at("ping") == "pong");
    }
  }
  CHECK(factory.opens == 3);
  CHECK(factory.calls.size() == 4);
}

TEST_CASE("parallel loop visits every index once with a fork limit") {
  std::vector<int> seen(100, 0);
  ForEachParallel(seen.size(), 7, [&](size_t i) { ++seen[i]; });
  CHECK(std::count(seen.begin(), seen.end(), 1) == 100);
}

}  // namespace tend
