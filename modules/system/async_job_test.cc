#include "modules/system/async_job.h"

#include <doctest/doctest.h>

#include "modules/testing/test_support.h"

namespace tend {
namespace {

FakeHost AsyncHost() {
  FakeHost host = MakeHost();
  host.SetEnv("HOME", "/home/me");
  host.AddDirectory("/home/me");
  host.AddDirectory("/home/me/.ansible_async");
  return host;
}

TEST_CASE("async_status reads a job file as Ansible's does") {
  FakeHost host = AsyncHost();
  const std::string path = "/home/me/.ansible_async/j1.2";
  Task status{.host = host, .module = "async_status", .args = {{"jid", "j1.2"}}};

  Json missing = status.Run();
  CHECK(missing["failed"] == true);
  CHECK(missing["msg"] == "could not find job");
  CHECK(missing["finished"] == 1);

  host.AddFile(path, AsyncStartedRecord("j1.2", path).dump());
  Json running = status.Run();
  CHECK_FALSE(running.value("failed", false));
  CHECK(running["started"] == 1);
  CHECK(running["finished"] == 0);
  CHECK(running["ansible_job_id"] == "j1.2");

  host.AddFile(path, R"({"changed": true, "rc": 0, "stdout": "hi"})");
  Json done = status.Run();
  CHECK(done["finished"] == 1);
  CHECK(done["changed"] == true);
  CHECK(done["rc"] == 0);
  CHECK(done["stdout"] == "hi");
  CHECK(done["results_file"] == path);

  Task cleanup{.host = host, .module = "async_status",
               .args = {{"jid", "j1.2"}, {"mode", "cleanup"}}};
  Json erased = cleanup.Run();
  CHECK(erased["erased"] == path);
  CHECK_FALSE(host.Stat(path)->exists());
}

TEST_CASE("a job file being written reads as a running job") {
  Json r = AsyncStatusOf("j", "/p/j", "");
  CHECK(r["finished"] == 0);
  CHECK(r["started"] == 1);
  CHECK(AsyncStatusOf("j", "/p/j", "{\"chan")["finished"] == 0);
  CHECK(AsyncStatusOf("j", "/p/j", R"({"started": 1})")["finished"] == 0);
}

TEST_CASE("the async directory is ANSIBLE_ASYNC_DIR, else ~/.ansible_async") {
  FakeHost host = AsyncHost();
  CHECK(AsyncDir(host) == "/home/me/.ansible_async");
  host.SetEnv("ANSIBLE_ASYNC_DIR", "/tmp/jobs");
  CHECK(AsyncDir(host) == "/tmp/jobs");
}

}  // namespace
}  // namespace tend
