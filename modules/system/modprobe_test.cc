#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "modules/parsers/kernel_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

// The kernel's module list and a modprobe that loads known modules into it.
struct KernelFixture {
  FakeHost host = MakeHost();
  std::set<std::string> loaded{"overlay", "nf_conntrack"};
  std::set<std::string> known{"dummy", "overlay", "nf_conntrack"};
  bool container = false;  // modprobe succeeds but nothing gets loaded

  KernelFixture() {
    host.AddFile("/proc/sys/kernel/osrelease", "6.1.0-test\n");
    host.AddFile("/lib/modules/6.1.0-test/modules.builtin",
                 "kernel/fs/ext4/ext4.ko\nkernel/drivers/block/loop.ko\n");
    host.AddDirectory("/etc/modprobe.d");
    host.AddDirectory("/etc/modules-load.d");
    Publish();
    host.OnRun([this](const ProcessSpec& spec, FakeHost&) { return Handle(spec); });
    host.ClearRecords();
  }

  void Publish() {
    std::string text;
    for (const auto& name : loaded) text += name + " 16384 0 - Live 0x0000000000000000\n";
    host.AddFile("/proc/modules", text, 0444);
  }

  ProcessResult Handle(const ProcessSpec& spec) {
    if (spec.argv[0] != "modprobe") return {127, "", "unexpected command\n"};
    std::vector<std::string> words(spec.argv.begin() + 1, spec.argv.end());
    bool dry = std::erase(words, "-n") > 0;
    bool remove = std::erase(words, "-r") > 0;
    bool first_time = std::erase(words, "--first-time") > 0;
    const std::string& name = words.at(0);
    if (!known.contains(name)) {
      return {1, "",
              fmt::format("modprobe: FATAL: Module {} not found in directory "
                          "/lib/modules/6.1.0-test\n",
                          name)};
    }
    if (first_time && !loaded.contains(name)) return {1, "", "modprobe: ERROR: could not insert\n"};
    if (dry || container) return {};
    if (remove) loaded.erase(name);
    if (!remove) loaded.insert(name);
    Publish();
    return {};
  }

  Task Modprobe(Json args) {
    return Task{.host = host, .module = "modprobe", .args = std::move(args)};
  }
};

TEST_CASE("modprobe: present loads with params; the second run runs no modprobe") {
  KernelFixture k;
  Json first = k.Modprobe({{"name", "dummy"}, {"params", "numdummies=2 'x=a b'"}}).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["name"] == "dummy");
  CHECK(first["params"] == "numdummies=2 'x=a b'");
  CHECK(first["state"] == "present");
  CHECK_FALSE(first.contains("warnings"));
  CHECK(k.host.commands() == std::vector<std::string>{"modprobe dummy numdummies=2 x=a b"});
  CHECK(k.loaded.contains("dummy"));

  k.host.ClearRecords();
  CheckIdempotent(k.Modprobe({{"name", "dummy"}, {"state", "absent"}}));
  CHECK(k.host.commands().empty());
  CHECK_FALSE(k.loaded.contains("dummy"));
}

TEST_CASE("modprobe: check mode dry-runs modprobe -n and loads nothing") {
  KernelFixture k;
  CheckCheckMode(k.Modprobe({{"name", "dummy"}}));
  CHECK(k.host.commands() == std::vector<std::string>{"modprobe -n dummy"});
  CHECK_FALSE(k.loaded.contains("dummy"));
  k.host.ClearRecords();
  CheckCheckMode(k.Modprobe({{"name", "overlay"}, {"state", "absent"}}));
  CHECK(k.host.commands() == std::vector<std::string>{"modprobe -r overlay -n"});
  CHECK(k.loaded.contains("overlay"));
}

TEST_CASE("modprobe: loaded state from /proc/modules (dashes as underscores) and modules.builtin") {
  KernelFixture k;
  for (const char* name : {"overlay", "nf-conntrack", "ext4", "loop"}) {
    Json r = k.Modprobe({{"name", name}}).Run();
    INFO(name, " ", r.dump());
    CHECK(r["changed"] == false);
  }
  CHECK(k.host.commands().empty());
  // Without modules.builtin (a container) nothing is built in; not an error.
  FakeHost& h = k.host;
  (void)h.Remove("/lib/modules/6.1.0-test/modules.builtin");
  h.ClearRecords();
  Json absent = k.Modprobe({{"name", "ext4"}, {"state", "absent"}}).Run();
  CHECK(absent["changed"] == false);
  CHECK(absent.value("failed", false) == false);
  // Nor without /proc/modules (a kernel without loadable modules).
  (void)h.Remove("/proc/modules");
  Json none = k.Modprobe({{"name", "overlay"}, {"state", "absent"}}).Run();
  INFO(none.dump());
  CHECK(none["changed"] == false);
  CHECK(none.value("failed", false) == false);
  CHECK(h.commands().empty());
}

TEST_CASE("modprobe: an unknown module fails with modprobe's message; an unloadable one warns") {
  KernelFixture k;
  Json r = k.Modprobe({{"name", "nosuchmod"}}).Run();
  CHECK(r["failed"] == true);
  CHECK(r["msg"] ==
        "modprobe: FATAL: Module nosuchmod not found in directory /lib/modules/6.1.0-test");
  CHECK(r["rc"] == 1);
  CHECK(r["name"] == "nosuchmod");
  CHECK(r["changed"] == false);

  k.container = true;
  Json quiet = k.Modprobe({{"name", "dummy"}}).Run();
  INFO(quiet.dump());
  CHECK(quiet["changed"] == false);
  CHECK(quiet["warnings"] == Json::array({"modprobe: ERROR: could not insert"}));

  CHECK(k.Modprobe({{"name", "a/b"}}).Run()["msg"] == "name: 'a/b' is not a kernel module name");
  CHECK(k.Modprobe({{"name", "dummy"}, {"params", "'open"}}).Run()["failed"] == true);
  CHECK(
      k.Modprobe({{"name", "dummy"}, {"persistent", "yes"}})
          .Run()["msg"]
          .get<std::string>()
          .starts_with("value of persistent must be one of: disabled, absent, present, got: yes"));
}

TEST_CASE("modprobe: persistent=present writes modules-load.d and modprobe.d files; idempotent") {
  KernelFixture k;
  k.host.AddFile("/etc/modprobe.d/local.conf",
                 "options dummy numdummies=4\noptions loop max_loop=8\n");
  k.host.ClearRecords();
  Task task =
      k.Modprobe({{"name", "dummy"}, {"params", "numdummies=2"}, {"persistent", "present"}});
  CheckIdempotent(task);
  CHECK(k.host.Content("/etc/modules-load.d/dummy.conf") == "dummy\n");
  CHECK(k.host.Find("/etc/modules-load.d/dummy.conf")->mode == 0644);
  CHECK(k.host.Content("/etc/modprobe.d/dummy.conf") == "options dummy numdummies=2\n");
  CHECK(k.host.Content("/etc/modprobe.d/local.conf") ==
        "#options dummy numdummies=4\noptions loop max_loop=8\n");

  // New params replace the old ones.
  k.host.ClearRecords();
  CheckIdempotent(
      k.Modprobe({{"name", "dummy"}, {"params", "numdummies=3"}, {"persistent", "present"}}));
  CHECK(k.host.Content("/etc/modprobe.d/dummy.conf") == "options dummy numdummies=3\n");
}

TEST_CASE("modprobe: persistent=present creates missing directories; check mode writes nothing") {
  KernelFixture k;
  (void)k.host.Remove("/etc/modules-load.d");
  k.host.ClearRecords();
  Task task = k.Modprobe({{"name", "overlay"}, {"persistent", "present"}});
  CheckCheckMode(task);
  CHECK(k.host.Find("/etc/modules-load.d") == nullptr);
  Json r = task.Run();
  CHECK(r["changed"] == true);
  CHECK(k.host.changes() == std::vector<std::string>{"mkdir /etc/modules-load.d 0755",
                                                     "write /etc/modules-load.d/overlay.conf"});
  CHECK(k.host.Find("/etc/modprobe.d/overlay.conf") == nullptr);  // no params: no options file
}

TEST_CASE("modprobe: persistent=absent comments the lines out; idempotent") {
  KernelFixture k;
  k.host.AddFile("/etc/modules-load.d/dummy.conf", "dummy\n");
  k.host.AddFile("/etc/modules-load.d/other.conf", "loop\ndummy # tests\n");
  k.host.AddFile("/etc/modprobe.d/dummy.conf", "options dummy numdummies=2\n");
  k.host.ClearRecords();
  Task task = k.Modprobe({{"name", "dummy"}, {"state", "absent"}, {"persistent", "absent"}});
  CheckCheckMode(task);
  CheckIdempotent(task);
  CHECK(k.host.Content("/etc/modules-load.d/dummy.conf") == "#dummy\n");
  CHECK(k.host.Content("/etc/modules-load.d/other.conf") == "loop\n#dummy # tests\n");
  CHECK(k.host.Content("/etc/modprobe.d/dummy.conf") == "#options dummy numdummies=2\n");
}

}  // namespace
}  // namespace tend
