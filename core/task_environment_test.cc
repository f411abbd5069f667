#include <doctest/doctest.h>

#include "core/task_environment.h"

namespace tend {
namespace {

TEST_CASE("a task's environment rides in the args and comes out whole") {
  Json args{{"_raw_params", "env"}};
  PutEnvironment(args, {});
  CHECK(!args.contains("_environment"));
  PutEnvironment(args, {{"https_proxy", "http://127.0.0.9:3128"}});
  auto taken = TakeEnvironment(args);
  REQUIRE(taken);
  CHECK(*taken == TaskEnvironment{{"https_proxy", "http://127.0.0.9:3128"}});
  CHECK(args == Json{{"_raw_params", "env"}});
  Json none{{"a", 1}};
  CHECK(TakeEnvironment(none)->empty());
  Json bad{{"_environment", {{"N", 1}}}};
  CHECK(TakeEnvironment(bad).error().message == "protocol error: environment variable 'N' must be a string");
  CHECK(!bad.contains("_environment"));
}

}  // namespace
}  // namespace tend
