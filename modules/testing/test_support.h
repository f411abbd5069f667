#pragma once

// Helpers for module tests on the FakeHost (header-only; tests only).

#include <doctest/doctest.h>

#include "modules/testing/fake_host.h"
#include "modules/testing/test_seams.h"
#include "modules/framework/registry.h"

namespace tend {

struct Task {
  FakeHost& host;
  std::string module;
  Json args;
  bool check = false;
  bool diff = false;
  ContentSource controller_content = nullptr;
  int fetches = 0;

  Json Run() {
    ModuleContext context{.args = args,
                          .check = check,
                          .diff = diff,
                          .host = &host,
                          .fetch_content = {},
                          .network = TestSeams().network,
                          .docker = TestSeams().docker};
    if (controller_content) {
      // As the agent: the controller streams a request's content once.
      context.fetch_content = [this, this_run = 0]() mutable {
        ++fetches;
        if (++this_run == 1) return controller_content;
        return ContentSource([](const auto&) -> Expected<void> {
          return Fail("the content of this request was already received");
        });
      };
    }
    return RunModule(*FindModule(module), context);
  }
};

inline FakeHost MakeHost() {
  FakeHost host;
  host.AddFile("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\napp:x:1001:1001::/srv:/bin/sh\n");
  host.AddFile("/etc/group", "root:x:0:\napp:x:1001:\n");
  host.AddDirectory("/srv", 0755);
  host.ClearRecords();
  return host;
}

/// Applies a task twice; the second run must change nothing.
inline void CheckIdempotent(Task task) {
  Json first = task.Run();
  REQUIRE_MESSAGE(first["failed"] != true, first.dump());
  CHECK(first["changed"] == true);
  task.host.ClearRecords();
  Json second = task.Run();
  CHECK_MESSAGE(second["changed"] == false, second.dump());
  CHECK(task.host.changes().empty());
}

/// In check mode a task reports the change and records none.
inline void CheckCheckMode(Task task) {
  task.check = true;
  Json result = task.Run();
  REQUIRE_MESSAGE(result["failed"] != true, result.dump());
  CHECK(result["changed"] == true);
  CHECK(task.host.changes().empty());
}

}  // namespace tend
