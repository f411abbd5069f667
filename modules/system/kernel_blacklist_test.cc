#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "modules/parsers/kernel_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

Task Blacklist(FakeHost& host, Json args) {
  return Task{.host = host, .module = "kernel_blacklist", .args = std::move(args)};
}

TEST_CASE("kernel_blacklist: creates the default file with the line; idempotent; check mode") {
  FakeHost host = MakeHost();
  host.AddDirectory("/etc/modprobe.d");
  host.ClearRecords();
  CheckCheckMode(Blacklist(host, {{"name", "nouveau"}}));
  CHECK(host.Find("/etc/modprobe.d/blacklist-ansible.conf") == nullptr);
  Json first = Blacklist(host, {{"name", "nouveau"}}).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["filename"] == "/etc/modprobe.d/blacklist-ansible.conf");
  CHECK(first["lines"] == Json::array({"blacklist nouveau"}));
  CHECK(first["is_blacklisted"] == true);
  CHECK(first["state"] == "present");
  CHECK(host.Content("/etc/modprobe.d/blacklist-ansible.conf") == "blacklist nouveau\n");
  CHECK(host.Find("/etc/modprobe.d/blacklist-ansible.conf")->mode == 0644);
  host.ClearRecords();
  CheckIdempotent(Blacklist(host, {{"name", "pcspkr"}}));
  CHECK(host.Content("/etc/modprobe.d/blacklist-ansible.conf") ==
        "blacklist nouveau\nblacklist pcspkr\n");
}

TEST_CASE("kernel_blacklist: commented lines do not count; other lines stay; diff") {
  FakeHost host = MakeHost();
  host.AddFile("/etc/modprobe.d/custom.conf", "# blacklist nouveau\ninstall foo /bin/true   \n",
               0640);
  host.ClearRecords();
  Task task =
      Blacklist(host, {{"name", "nouveau"}, {"blacklist_file", "/etc/modprobe.d/custom.conf"}});
  task.diff = true;
  Json r = task.Run();
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(r["diff"]["before"]["lines"] ==
        Json::array({"# blacklist nouveau", "install foo /bin/true"}));
  CHECK(r["diff"]["after"]["lines"] ==
        Json::array({"# blacklist nouveau", "install foo /bin/true", "blacklist nouveau"}));
  CHECK(host.Content("/etc/modprobe.d/custom.conf") ==
        "# blacklist nouveau\ninstall foo /bin/true\nblacklist nouveau\n");
  CHECK(host.Find("/etc/modprobe.d/custom.conf")->mode == 0640);
  host.ClearRecords();
  CHECK(task.Run().contains("diff") == false);
  CHECK(host.changes().empty());
}

TEST_CASE("kernel_blacklist: absent removes every matching line; idempotent; check mode") {
  FakeHost host = MakeHost();
  host.AddFile("/etc/modprobe.d/blacklist-ansible.conf",
               "blacklist nouveau\nblacklist  pcspkr\n# blacklist pcspkr\n\tblacklist pcspkr\n");
  host.ClearRecords();
  Task task = Blacklist(host, {{"name", "pcspkr"}, {"state", "absent"}});
  CheckCheckMode(task);
  CheckIdempotent(task);
  CHECK(host.Content("/etc/modprobe.d/blacklist-ansible.conf") ==
        "blacklist nouveau\n# blacklist pcspkr\n");
  CHECK(task.Run()["is_blacklisted"] == false);
}

TEST_CASE("kernel_blacklist: absent on a missing file creates it empty, as Ansible does") {
  FakeHost host = MakeHost();
  host.AddDirectory("/etc/modprobe.d");
  host.ClearRecords();
  CheckIdempotent(Blacklist(host, {{"name", "nouveau"}, {"state", "absent"}}));
  const auto* node = host.Find("/etc/modprobe.d/blacklist-ansible.conf");
  REQUIRE(node != nullptr);
  CHECK(node->content.empty());
}

TEST_CASE("kernel_blacklist: bad arguments and an unwritable place fail clearly") {
  FakeHost host = MakeHost();
  CHECK(Blacklist(host, {{"state", "present"}}).Run()["msg"] == "missing required arguments: name");
  CHECK(Blacklist(host, {{"name", "a b"}}).Run()["msg"] ==
        "name: 'a b' is not a kernel module name");
  CHECK(Blacklist(host, {{"name", "x"}, {"blacklist_file", "rel.conf"}}).Run()["msg"] ==
        "blacklist_file: 'rel.conf' is not an absolute path");
  Json nodir = Blacklist(host, {{"name", "x"}, {"blacklist_file", "/nope/b.conf"}}).Run();
  CHECK(nodir["failed"] == true);
  CHECK(host.changes().empty());
  host.AddDirectory("/etc/modprobe.d/dir.conf");
  CHECK(Blacklist(host, {{"name", "x"}, {"blacklist_file", "/etc/modprobe.d/dir.conf"}})
            .Run()["msg"] == "blacklist_file: /etc/modprobe.d/dir.conf is not a regular file");
}

}  // namespace
}  // namespace tend
