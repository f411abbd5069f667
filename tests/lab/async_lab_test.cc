// async/poll and async_status (issue 18) against a real lab host through the
// built `tend`: the agent detaches the job, so it survives the SSH session.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "h18cfg-async";

TEST_CASE("async: poll 0 then async_status; poll 1; jobs outlive the run; time limits fail") {
  REQUIRE_MESSAGE(geteuid() == 0, "lab tests need root");
  Lab lab = StartLab(kLab, "tests/lab/async");
  lab.On("rm -f /tmp/tend-async-x /tmp/tend-async-detached");

  Run run = lab.Play("async.yml");
  INFO(run.out);
  CHECK(run.rc == 0);
  auto recap = RecapOf(run.out);
  CHECK(recap[3] == 0);  // failed
  // The detached job finishes after the run and its SSH session have ended.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  CHECK(lab.On("test -e /tmp/tend-async-detached && echo yes") == "yes");
  CHECK(lab.On("ls /root/.ansible_async | wc -l") != "0");

  Run late = lab.Play("async_timeout.yml");
  INFO(late.out);
  CHECK(late.rc == 2);
  CHECK(Contains(late.out, "async task did not complete within the requested time - 1s"));
}

}  // namespace
