#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "modules/parsers/kernel_parse.h"
#include "modules/testing/commands_ran.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace commands_ran_test;

constexpr const char* kListUnits =
    "ssh.service loaded active running OpenBSD Secure Shell server\n"
    "cron.service loaded inactive dead Regular background program processing daemon\n"
    "broken.service loaded failed failed Broken\n";

constexpr const char* kListUnitFiles =
    "ssh.service enabled enabled\n"
    "cron.service disabled enabled\n"
    "broken.service enabled enabled\n"
    "getty@.service enabled enabled\n"
    "rsync.service disabled enabled\n"
    "sshd.service alias -\n";

struct ServicesFixture {
  FakeHost host = MakeHost();
  std::string list_units = kListUnits;
  std::string unit_files = kListUnitFiles;
  int list_units_rc = 0;
  std::string status_all = " [ + ]  ssh\n [ - ]  rsync\n [ ? ]  hwclock.sh\n";

  ServicesFixture() {
    host.AddDirectory("/run/systemd/system");
    host.AddFile("/usr/bin/systemctl", "", 0755);
    host.AddFile("/usr/sbin/service", "", 0755);
    host.AddDirectory("/etc/init.d");
    host.OnRun([this](const ProcessSpec& spec, FakeHost&) { return Handle(spec); });
    host.ClearRecords();
  }

  static ProcessResult Show(const std::vector<std::string>& units) {
    std::string out;
    for (const auto& unit : units) {
      if (unit.find('@') != std::string::npos) {
        return {1, out,
                fmt::format("Failed to get properties: Unit name {} is not valid.\n", unit)};
      }
      if (!out.empty()) out += "\n";
      out += unit == "sshd.service" ? "ActiveState=active\n" : "ActiveState=inactive\n";
    }
    return {0, out, ""};
  }

  ProcessResult Handle(const ProcessSpec& spec) {
    if (spec.env.at("LC_ALL") != "C") return {1, "", "not in the C locale\n"};
    const auto& argv = spec.argv;
    if (argv[0] == "/usr/sbin/service") return {0, status_all, ""};
    if (argv[1] == "list-units")
      return {list_units_rc, list_units, list_units_rc ? "no bus\n" : ""};
    if (argv[1] == "list-unit-files") return {0, unit_files, ""};
    if (argv[1] == "show") {
      std::vector<std::string> units;
      for (size_t i = 2; i < argv.size(); ++i) {
        if (!argv[i].starts_with("--")) units.push_back(argv[i]);
      }
      return Show(units);
    }
    return {127, "", "unexpected command\n"};
  }

  Json Run(bool check = false) {
    return Task{.host = host, .module = "service_facts", .args = Json::object(), .check = check}
        .Run();
  }
};

TEST_CASE("service_facts: systemd units with state and unit-file status, plus SysV scripts") {
  ServicesFixture f;
  Json r = f.Run();
  INFO(r.dump(2));
  CHECK(r["changed"] == false);
  const Json& services = r["ansible_facts"]["services"];
  CHECK(services["ssh.service"] == Json{{"name", "ssh.service"},
                                        {"state", "running"},
                                        {"status", "enabled"},
                                        {"source", "systemd"}});
  CHECK(services["cron.service"]["state"] == "stopped");
  CHECK(services["cron.service"]["status"] == "disabled");
  CHECK(services["broken.service"]["status"] == "failed");  // a bad state is kept
  // Units only in list-unit-files: ActiveState as systemctl reports it.
  CHECK(services["rsync.service"]["state"] == "inactive");
  CHECK(services["sshd.service"]["state"] == "active");
  CHECK(services["sshd.service"]["status"] == "alias");
  CHECK(services["getty@.service"]["state"] == "unknown");
  CHECK(services["getty@.service"]["status"] == "enabled");
  CHECK(services["ssh"] == Json{{"name", "ssh"}, {"state", "running"}, {"source", "sysv"}});
  CHECK(services["rsync"]["state"] == "stopped");
  CHECK_FALSE(services.contains("hwclock.sh"));
  CHECK(f.host.changes().empty());
}

TEST_CASE("service_facts: unlisted units are asked in one systemctl show, templates not at all") {
  ServicesFixture f;
  f.Run();
  int shows = 0;
  for (const auto& c : f.host.commands()) shows += c.find(" show ") != std::string::npos;
  CHECK(shows == 1);
  CHECK(
      Ran(f.host, "/usr/bin/systemctl show --property=ActiveState -- rsync.service sshd.service"));

  // A batch systemctl refuses: each unit alone, a refused one "unknown".
  ServicesFixture refused;
  refused.unit_files += "bad@x.service disabled enabled\n";
  Json states = refused.Run()["ansible_facts"]["services"];
  shows = 0;
  for (const auto& c : refused.host.commands()) shows += c.find(" show ") != std::string::npos;
  CHECK(shows == 4);
  CHECK(states["bad@x.service"]["state"] == "unknown");
  CHECK(states["rsync.service"]["state"] == "inactive");
  CHECK(states["sshd.service"]["state"] == "active");

  ServicesFixture plain;
  plain.unit_files = "ssh.service enabled enabled\nrsync.service disabled enabled\n";
  Json r = plain.Run();
  CHECK(r["ansible_facts"]["services"]["rsync.service"]["state"] == "inactive");
  CHECK(
      plain.host.commands() ==
      std::vector<std::string>{"/usr/sbin/service --status-all",
                               "/usr/bin/systemctl list-units --type=service --all --no-pager "
                               "--plain --no-legend",
                               "/usr/bin/systemctl list-unit-files --type=service --no-pager "
                               "--plain --no-legend",
                               "/usr/bin/systemctl show --property=ActiveState -- rsync.service"});
}

TEST_CASE("service_facts: check mode and a second run gather the same and change nothing") {
  ServicesFixture f;
  Json first = f.Run(/*check=*/true);
  Json second = f.Run();
  CHECK(first["changed"] == false);
  CHECK(first["ansible_facts"] == second["ansible_facts"]);
  CHECK(f.host.changes().empty());
}

TEST_CASE(
    "service_facts: without systemd only SysV; without either a skip with Ansible's message") {
  ServicesFixture f;
  (void)f.host.Remove("/run/systemd/system");
  Json sysv = f.Run();
  CHECK(sysv["ansible_facts"]["services"].size() == 2);
  CHECK_FALSE(RanAny(f.host, "/usr/bin/systemctl"));

  FakeHost bare = MakeHost();
  Json none = Task{.host = bare, .module = "service_facts", .args = Json::object()}.Run();
  CHECK(none["skipped"] == true);
  CHECK(none["msg"] ==
        "Failed to find any services. This can be due to privileges or some other configuration "
        "issue.");
  CHECK_FALSE(none.contains("ansible_facts"));
}

TEST_CASE("service_facts: a failing list-units is a warning; the unit files still answer") {
  ServicesFixture f;
  f.list_units_rc = 1;
  f.list_units = "";
  Json r = f.Run();
  INFO(r.dump());
  CHECK(r["warnings"] == Json::array({"Could not list units from systemd: no bus"}));
  CHECK(r["ansible_facts"]["services"]["ssh.service"]["state"] == "inactive");
  CHECK(r["ansible_facts"]["services"]["ssh.service"]["status"] == "enabled");
  CHECK(f.Run(false)["ansible_facts"]["services"].contains("cron.service"));
  CHECK(Task{.host = f.host, .module = "service_facts", .args = {{"x", 1}}}.Run()["failed"] ==
        true);
  f.unit_files = "weird.service\n";
  CHECK(f.Run()["msg"] ==
        "Malformed output discovered from systemd list-unit-files: weird.service");
}

}  // namespace
}  // namespace tend
