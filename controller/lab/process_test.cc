#include "controller/lab/process.h"

#include <doctest/doctest.h>
#include <unistd.h>

namespace tend::lab {

TEST_CASE("start times come from field 22 of /proc/pid/stat; zombies have none") {
  std::string tail = " 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 424242 23 24";
  CHECK(ParseStatStartTime("12 (sshd) S" + tail) == 424242u);
  CHECK(ParseStatStartTime("12 (a b) (c)) R" + tail) == 424242u);
  CHECK_FALSE(ParseStatStartTime("12 (sshd) Z" + tail));
  CHECK_FALSE(ParseStatStartTime("garbage"));
}

TEST_CASE("a process is alive only with the start time it was recorded with") {
  auto start = ProcessStartTime(getpid());
  REQUIRE(start);
  CHECK(IsProcessAlive(getpid(), *start));
  CHECK_FALSE(IsProcessAlive(getpid(), *start + 1));
  CHECK_FALSE(IsProcessAlive(0, 0));
}

TEST_CASE("commands run with their output captured") {
  auto r = RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  REQUIRE(r);
  CHECK(r->exit_code == 3);
  CHECK(r->output == "out\nerr\n");
  CHECK(RunCommand({"tend-no-such-program"}).error().message ==
        "tend-no-such-program: command not found");
  CHECK(FindProgram("sh"));
  CHECK_FALSE(FindProgram("tend-no-such-program"));
}

}  // namespace tend::lab
