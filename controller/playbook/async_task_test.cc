#include "controller/playbook/async_task.h"

#include <doctest/doctest.h>

#include <vector>

namespace tend {

TEST_CASE("PollAsyncJob asks every poll seconds until the job finishes, then cleans up") {
  std::vector<Json> asked;
  std::vector<int64_t> slept;
  int answers = 0;
  auto status = [&](const Json& args) {
    asked.push_back(args);
    if (args.contains("mode")) return Json{{"erased", "/f"}};
    return Json{{"finished", ++answers >= 3 ? 1 : 0}, {"rc", 0}};
  };
  Json r = PollAsyncJob(AsyncSettings{.seconds = 60, .poll = 5}, "j1", status,
                        [&](int64_t s) { slept.push_back(s); });
  CHECK(r == Json{{"finished", 1}, {"rc", 0}});
  CHECK(slept == std::vector<int64_t>{5, 5, 5});
  REQUIRE(asked.size() == 4);
  CHECK(asked[0] == Json{{"jid", "j1"}});
  CHECK(asked[3] == Json{{"jid", "j1"}, {"mode", "cleanup"}});
}

TEST_CASE("PollAsyncJob fails with Ansible's message when the time is up") {
  std::vector<int64_t> slept;
  auto status = [](const Json& args) {
    CHECK_FALSE(args.contains("mode"));  // an unfinished job's file is kept
    return Json{{"finished", 0}, {"started", 1}};
  };
  Json r = PollAsyncJob(AsyncSettings{.seconds = 3, .poll = 1}, "j2", status,
                        [&](int64_t s) { slept.push_back(s); });
  CHECK(r["failed"] == true);
  CHECK(r["msg"] == "async task did not complete within the requested time - 3s");
  CHECK(r["async_result"] == Json{{"finished", 0}, {"started", 1}});
  CHECK(slept.size() == 3);
}

TEST_CASE("async runs modules the agent runs alone") {
  for (const char* yes : {"command", "shell", "apt", "user", "wait_for"}) CHECK(SupportsAsync(yes));
  for (const char* no : {"template", "copy", "debug", "set_fact", "raw", "script", "nosuch"}) {
    CHECK_FALSE(SupportsAsync(no));
  }
}

}  // namespace tend
