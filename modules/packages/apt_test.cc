#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modules/framework/text.h"
#include "modules/packages/apt_common.h"
#include "modules/testing/fake_apt.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_apt_test;

bool RanAptGet(const FakeHost& host) {
  return std::any_of(host.commands().begin(), host.commands().end(),
                     [](const std::string& c) { return c.starts_with("apt-get"); });
}

TEST_CASE("cache_valid_time: success stamp first, else the lists directory") {
  FakeHost host = AptHost();
  host.SetTimes(kAptListsPath, 1000, 1000);
  CHECK(AptCacheTime(host) == 1000);
  host.AddFile(kAptUpdateStampPath, "");
  host.SetTimes(kAptUpdateStampPath, 5000, 5000);
  CHECK(AptCacheTime(host) == 5000);
  CHECK(AptCacheFresh(5000, 3600, 8600));
  CHECK_FALSE(AptCacheFresh(5000, 3600, 8601));
  CHECK_FALSE(AptCacheFresh(5000, 0, 5001));
}

TEST_CASE("apt: installs only what is missing; a second run starts no process for real names") {
  FakeHost host = AptHost();
  Task task{host, "apt", {{"name", Json::array({"bash", "tree", "jq", "awk", "libc6:i386"})}}};
  task.diff = true;
  Json first = task.Run();
  REQUIRE_MESSAGE(first["failed"] != true, first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["cache_updated"] == false);
  CHECK(host.commands() ==
        std::vector<std::string>{"apt-cache policy awk", "apt-cache policy tree jq",
                                 "apt-get -y -o Dpkg::Options::=--force-confdef -o "
                                 "Dpkg::Options::=--force-confold install tree jq"});
  CHECK(first["diff"]["prepared"].get<std::string>().find("Inst tree (2.1.0-1)") != std::string::npos);
  CHECK(first["stdout"].get<std::string>().find("2 newly installed") != std::string::npos);
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  // Only the name that nothing installs under its own name (awk) is asked
  // about: apt-cache tells a purely virtual package from a real one.
  CHECK(host.commands() == std::vector<std::string>{"apt-cache policy awk"});
  CHECK(host.changes().empty());
  host.ClearRecords();
  CHECK(Task{host, "apt", {{"name", Json::array({"bash", "tree", "jq"})}}}.Run()["changed"] == false);
  CHECK(host.commands().empty());
}

TEST_CASE("apt: a real package is installed even when an installed one provides its name") {
  FakeHost host = AptHost();
  Json result = Task{host, "apt", {{"name", "sh"}}}.Run();
  CHECK(result["changed"] == true);
  CHECK(host.commands().back().ends_with("install sh"));
}

TEST_CASE("apt: check mode simulates and installs nothing") {
  FakeHost host = AptHost();
  Task task{host, "apt", {{"name", "tree"}}, true};
  Json result = task.Run();
  CHECK(result["changed"] == true);
  CHECK(host.commands().back().find("--simulate install tree") != std::string::npos);
  CHECK(host.changes().empty());
  CHECK(host.Content(kDpkgStatusPath) == kStatus);
}

TEST_CASE("apt: an unknown package fails with Ansible's message and runs no apt-get") {
  FakeHost host = AptHost();
  Json result = Task{host, "apt", {{"name", Json::array({"tree", "no-such-pkg"})}}}.Run();
  CHECK(result["failed"] == true);
  CHECK(result["msg"] == "No package matching 'no-such-pkg' is available");
  CHECK_FALSE(RanAptGet(host));
}

TEST_CASE("apt: a wildcard pin resolves to the highest matching version; installed pins hold") {
  FakeHost host = AptHost();
  Json result = Task{host, "apt", {{"name", "nginx=1.18*"}}}.Run();
  CHECK(result["changed"] == true);
  CHECK(host.commands().back().ends_with("install nginx=1.18.0-6"));
  host.ClearRecords();
  CHECK(Task{host, "apt", {{"name", "nginx=1.18*"}}}.Run()["changed"] == false);
  CHECK(host.commands().empty());
  // A different pin than the one installed is work to do.
  CHECK(Task{host, "apt", {{"name", "nginx=1.22*"}, {"allow_downgrade", true}}}.Run()["changed"] == true);
  CHECK(host.commands().back().ends_with("install nginx=1.22.1-9"));
}

TEST_CASE("apt: state=latest upgrades only packages behind their candidate") {
  FakeHost host = AptHost();
  Task task{host, "apt", {{"name", Json::array({"bash", "jq"})}, {"state", "latest"}}};
  Json first = task.Run();
  CHECK(first["changed"] == true);
  CHECK(host.commands().back().ends_with("install bash jq"));
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK_FALSE(RanAptGet(host));
}

TEST_CASE("apt: absent removes installed packages; purge also clears config-files") {
  FakeHost host = AptHost();
  Task remove{host, "apt", {{"name", Json::array({"mawk", "tree", "oldconf"})}, {"state", "absent"}}};
  CheckCheckMode(remove);
  Json first = remove.Run();
  CHECK(first["changed"] == true);
  CHECK(host.commands().back() ==
        "apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "
        "remove mawk");
  host.ClearRecords();
  CHECK(remove.Run()["changed"] == false);
  CHECK(host.commands().empty());
  remove.args["purge"] = true;
  CHECK(remove.Run()["changed"] == true);
  CHECK(host.commands().back().ends_with("--purge remove mawk oldconf"));
}

TEST_CASE("apt: update_cache honours cache_valid_time; only update reports changed") {
  FakeHost host = AptHost();
  host.AddFile(kAptUpdateStampPath, "");
  host.SetTimes(kAptUpdateStampPath, 1700000000 - 100, 1700000000 - 100);
  host.ClearRecords();
  Json fresh = Task{host, "apt", {{"update_cache", true}, {"cache_valid_time", 3600}}}.Run();
  CHECK(fresh["changed"] == false);
  CHECK(fresh["cache_updated"] == false);
  CHECK(fresh["cache_update_time"] == 1700000000 - 100);
  CHECK(host.commands().empty());
  Json stale = Task{host, "apt", {{"update_cache", true}, {"cache_valid_time", 60}}}.Run();
  CHECK(stale["changed"] == true);
  CHECK(stale["cache_updated"] == true);
  CHECK(stale["cache_update_time"] == 1700000000);
  CHECK(host.commands() == std::vector<std::string>{"apt-get update -q"});
  // With packages, a cache update alone does not make the task changed.
  host.SetNow(1700009999000000);
  host.ClearRecords();
  Json with_pkg = Task{host, "apt", {{"name", "bash"}, {"update-cache", "yes"}}}.Run();
  CHECK(with_pkg["cache_updated"] == true);
  CHECK(with_pkg["changed"] == false);
}

TEST_CASE("apt: waits while another process holds the lock, then fails clearly") {
  FakeHost host = AptHost(FakeApt{.lock_busy = 2});
  Json result = Task{host, "apt", {{"name", "tree"}}}.Run();
  CHECK(result["changed"] == true);
  CHECK(std::count(host.commands().begin(), host.commands().end(), "sleep 1") == 2);
  FakeHost busy = AptHost(FakeApt{.lock_busy = 1000});
  Json failed = Task{busy, "apt", {{"name", "tree"}, {"lock_timeout", 3}}}.Run();
  CHECK(failed["failed"] == true);
  CHECK(failed["msg"].get<std::string>().starts_with(
      "Failed to lock apt for exclusive operation: E: Could not get lock /var/lib/dpkg/lock-frontend"));
  CHECK(std::count(busy.commands().begin(), busy.commands().end(), "sleep 1") == 3);
}

TEST_CASE("apt: argument validation suggests the right name") {
  auto bad = ValidateModuleArgs("apt", {{"name", "tree"}, {"update_cach", true}});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("update_cache") != std::string::npos);
  auto state = ValidateModuleArgs("apt", {{"name", "tree"}, {"state", "installed"}});
  REQUIRE_FALSE(state.has_value());
  CHECK(state.error().message.find("present") != std::string::npos);
  FakeHost host = AptHost();
  Json upgrade = Task{host, "apt", {{"upgrade", "sometimes"}}}.Run();
  CHECK(upgrade["msg"] == "value of upgrade must be one of: dist, full, no, safe, yes, got: sometimes");
}

TEST_CASE("package: dispatches to apt on a dpkg system") {
  FakeHost host = AptHost();
  CheckIdempotent(Task{host, "package", {{"name", "tree"}, {"state", "present"}}});
  Json other = Task{host, "package", {{"name", "tree"}, {"state", "present"}, {"use", "dnf"}}}.Run();
  CHECK(other["failed"] == true);
}

TEST_CASE("package: apt's arguments pass through (update_cache), state defaults as apt's") {
  FakeHost host = AptHost();
  auto args = ValidateModuleArgs("package", {{"name", "tree"}, {"update_cache", true}});
  REQUIRE_MESSAGE(args.has_value(), args.error().message);
  CHECK((*args)["state"] == "present");
  CHECK(ValidateModuleArgs("package", {{"name", "tree"}, {"bogus", 1}}).error().message ==
        "unsupported parameter 'bogus' for module 'package'");
  host.SetNow(1700009999000000);  // a day after the fake's last update
  Json done = Task{host, "package", {{"name", "tree"}, {"update_cache", true}}}.Run();
  CHECK_MESSAGE(!done.contains("failed"), done.dump());
  const auto& ran = host.commands();
  CHECK(std::find(ran.begin(), ran.end(), "apt-get update -q") != ran.end());
}

}  // namespace
}  // namespace tend
