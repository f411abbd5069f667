#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

// A systemd stand-in: `systemctl` verbs against a table of units.
struct FakeUnit {
  std::string active = "inactive";
  std::string enabled = "disabled";  // is-enabled output
  std::string load_error{};
};

struct FakeSystemd {
  std::map<std::string, FakeUnit> units;
  int daemon_reloads = 0;

  static std::string Canonical(std::string name) {
    return name.find('.') == std::string::npos ? name + ".service" : name;
  }

  ProcessResult Show(const std::string& name) {
    auto it = units.find(Canonical(name));
    if (it == units.end()) {
      return {0, fmt::format("Id={}\nLoadState=not-found\nActiveState=inactive\n", Canonical(name)),
              ""};
    }
    const FakeUnit& u = it->second;
    std::string load = u.enabled == "masked" ? "masked" : (u.load_error.empty() ? "loaded" : "error");
    std::string out = fmt::format(
        "Id={}\nLoadState={}\nActiveState={}\nFragmentPath=/etc/systemd/system/{}\n"
        "ExecStart={{ path=/usr/bin/sleep ; argv[]=/usr/bin/sleep infinity ; }}\n",
        it->first, load, u.active, it->first);
    if (!u.load_error.empty()) out += "LoadError=" + u.load_error + "\n";
    return {0, out, ""};
  }

  ProcessResult Handle(const ProcessSpec& spec) {
    std::vector<std::string> words;
    for (size_t i = 1; i < spec.argv.size(); ++i) {
      if (!spec.argv[i].starts_with("--")) words.push_back(spec.argv[i]);
    }
    const std::string& verb = words.at(0);
    if (verb == "daemon-reload") return ++daemon_reloads, ProcessResult{};
    const std::string name = words.size() > 1 ? words[1] : "";
    if (verb == "show") return Show(name);
    auto it = units.find(Canonical(name));
    if (verb == "is-enabled") {
      if (it == units.end()) return {1, "", "Failed to get unit file state: No such file\n"};
      bool on = it->second.enabled == "enabled" || it->second.enabled == "static";
      return {on ? 0 : 1, it->second.enabled + "\n", ""};
    }
    if (it == units.end()) return {5, "", fmt::format("Unit {} not found.\n", Canonical(name))};
    FakeUnit& u = it->second;
    if (verb == "start" || verb == "restart" || verb == "reload") u.active = "active";
    if (verb == "stop") u.active = "inactive";
    if (verb == "enable") u.enabled = "enabled";
    if (verb == "disable") u.enabled = "disabled";
    if (verb == "mask") u.enabled = "masked";
    if (verb == "unmask") u.enabled = "disabled";
    return {};
  }
};

struct ServiceFixture {
  FakeHost host = MakeHost();
  FakeSystemd systemd;

  ServiceFixture() {
    host.AddDirectory("/run");
    host.AddDirectory("/run/systemd");
    host.AddDirectory("/run/systemd/system");
    systemd.units["demo.service"] = FakeUnit{};
    host.OnRun([this](const ProcessSpec& spec, FakeHost&) { return systemd.Handle(spec); });
    host.ClearRecords();
  }

  Json Run(const std::string& module, Json args, bool check = false) {
    return Task{.host = host, .module = module, .args = std::move(args), .check = check}.Run();
  }
  // Commands that change something (everything but inspection).
  std::vector<std::string> Actions() const {
    std::vector<std::string> out;
    for (const auto& c : host.commands()) {
      if (c.find(" show ") == std::string::npos && c.find(" is-enabled ") == std::string::npos)
        out.push_back(c);
    }
    return out;
  }
};

TEST_CASE("systemd_service: started + enabled acts once, second run changes nothing") {
  ServiceFixture f;
  Json first = f.Run("systemd_service", {{"name", "demo"}, {"state", "started"}, {"enabled", true}});
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["name"] == "demo");
  CHECK(first["state"] == "started");
  CHECK(first["enabled"] == true);
  CHECK(first["status"]["FragmentPath"] == "/etc/systemd/system/demo.service");
  CHECK(f.Actions() == std::vector<std::string>{"systemctl enable demo", "systemctl start demo"});
  CHECK(f.systemd.units["demo.service"].active == "active");

  f.host.ClearRecords();
  Json second =
      f.Run("systemd_service", {{"name", "demo.service"}, {"state", "started"}, {"enabled", true}});
  CHECK_MESSAGE(second["changed"] == false, second.dump());
  CHECK(f.Actions().empty());
}

TEST_CASE("systemd_service: check mode reports the change and runs no verb") {
  ServiceFixture f;
  Json r = f.Run("systemd", {{"name", "demo"}, {"state", "started"}, {"enabled", true},
                             {"daemon_reload", true}}, /*check=*/true);
  CHECK(r["changed"] == true);
  CHECK(f.Actions().empty());
  CHECK(f.systemd.daemon_reloads == 0);
  CHECK(f.systemd.units["demo.service"].active == "inactive");
}

TEST_CASE("systemd_service: stopped, restarted, reloaded") {
  ServiceFixture f;
  f.systemd.units["demo.service"].active = "active";
  CHECK(f.Run("systemd", {{"name", "demo"}, {"state", "stopped"}})["changed"] == true);
  CHECK(f.systemd.units["demo.service"].active == "inactive");
  CHECK(f.Run("systemd", {{"name", "demo"}, {"state", "stopped"}})["changed"] == false);
  f.host.ClearRecords();
  Json restarted = f.Run("systemd", {{"name", "demo"}, {"state", "restarted"}});
  CHECK(restarted["state"] == "started");
  CHECK(f.Actions() == std::vector<std::string>{"systemctl start demo"});  // was inactive
  f.host.ClearRecords();
  CHECK(f.Run("systemd", {{"name", "demo"}, {"state", "restarted"}})["changed"] == true);
  CHECK(f.Actions() == std::vector<std::string>{"systemctl restart demo"});
  f.host.ClearRecords();
  CHECK(f.Run("systemd", {{"name", "demo"}, {"state", "reloaded"}})["changed"] == true);
  CHECK(f.Actions() == std::vector<std::string>{"systemctl reload demo"});
}

TEST_CASE("systemd_service: masked, daemon_reload (alias daemon-reload) and scope flags") {
  ServiceFixture f;
  CHECK(f.Run("systemd_service", {{"name", "demo"}, {"masked", true}})["changed"] == true);
  CHECK(f.systemd.units["demo.service"].enabled == "masked");
  CHECK(f.Run("systemd_service", {{"name", "demo"}, {"masked", true}})["changed"] == false);
  CHECK(f.Run("systemd_service", {{"name", "demo"}, {"masked", false}})["changed"] == true);

  Json reload = f.Run("systemd_service", {{"daemon-reload", true}});
  CHECK(reload["changed"] == false);  // Ansible does not count a daemon-reload as a change
  CHECK(f.systemd.daemon_reloads == 1);

  f.host.ClearRecords();
  f.Run("systemd_service",
        {{"name", "demo"}, {"state", "started"}, {"scope", "user"}, {"no_block", true}});
  CHECK(f.host.commands().back() == "systemctl --user --no-block start demo");
}

TEST_CASE("systemd_service: a missing unit and a unit that fails to load are clear failures") {
  ServiceFixture f;
  Json missing = f.Run("systemd", {{"name", "nosuch"}, {"state", "started"}});
  CHECK(missing["failed"] == true);
  CHECK(missing["msg"] == "Could not find the requested service nosuch: host");
  CHECK(f.Run("systemd", {{"name", "nosuch"}, {"enabled", true}})["msg"] ==
        "Could not find the requested service nosuch: host");

  f.systemd.units["broken.service"] = FakeUnit{.active = "inactive",
                                               .enabled = "disabled",
                                               .load_error = "org.freedesktop.systemd1.BadUnitSetting"};
  Json broken = f.Run("systemd", {{"name", "broken"}, {"state", "started"}});
  CHECK(broken["msg"] ==
        "Error loading unit file 'broken': org.freedesktop.systemd1.BadUnitSetting");

  Json no_name = f.Run("systemd", {{"state", "started"}});
  CHECK(no_name["msg"] == "missing parameter(s) required by 'state': name");
  // Only a name: daemon_reload's default satisfies required_one_of, as in
  // Ansible (`-m systemd -a name=x` is the usual way to read a unit's status).
  Json nothing = f.Run("systemd", {{"name", "demo"}});
  CHECK_MESSAGE(nothing["failed"] != true, nothing.dump());
  CHECK(nothing["changed"] == false);
}

TEST_CASE("systemd refuses clearly without a running systemd; service falls back to init.d") {
  FakeHost host = MakeHost();
  Json r = Task{.host = host, .module = "systemd", .args = {{"name", "demo"}, {"state", "started"}}}
               .Run();
  CHECK(r["failed"] == true);
  CHECK(r["msg"].get<std::string>().starts_with(
      "systemd is not the running service manager on this host (/run/systemd/system does not "
      "exist)"));

  bool running = false;
  host.AddDirectory("/etc/init.d");
  host.AddFile("/etc/init.d/demo", "#!/bin/sh\n", 0755);
  host.AddDirectory("/etc/rc2.d");
  host.OnRun([&](const ProcessSpec& spec, FakeHost& h) -> ProcessResult {
    if (spec.argv[0] == "/etc/init.d/demo") {
      const std::string& verb = spec.argv[1];
      if (verb == "status") return {running ? 0 : 3, "", ""};
      running = verb != "stop";
      return {};
    }
    if (spec.argv[0] == "update-rc.d" && spec.argv[2] == "enable") {
      h.AddLink("/etc/rc2.d/S01demo", "../init.d/demo");
    }
    return {};
  });
  Task service{.host = host,
               .module = "service",
               .args = {{"name", "demo"}, {"state", "started"}, {"enabled", true},
                        {"arguments", "--verbose"}}};
  Json first = service.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(running);
  CHECK(host.commands().back() == "/etc/init.d/demo start --verbose");
  host.ClearRecords();
  Json second = service.Run();
  CHECK(second["changed"] == false);
  CHECK(host.commands() == std::vector<std::string>{"/etc/init.d/demo status --verbose"});

  Json unknown = Task{.host = host, .module = "service", .args = {{"name", "nosuch"}, {"state", "started"}}}.Run();
  CHECK(unknown["msg"].get<std::string>().starts_with("cannot find 'service' binary or init script"));
}

TEST_CASE("service on systemd delegates and warns about ignored arguments") {
  ServiceFixture f;
  Json r = f.Run("service", {{"name", "demo"}, {"state", "started"}, {"arguments", "-x"}});
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(r["status"]["ActiveState"] == "inactive");  // as inspected, before acting (Ansible too)
  CHECK(r["warnings"] == Json::array({"Ignoring \"arguments\" as it is not used in \"systemd\""}));
  CHECK(f.Run("service", {{"name", "demo"}, {"state", "started"}})["changed"] == false);
}

TEST_CASE("service on systemd passes systemd's arguments through (daemon-reload, masked)") {
  // Ansible's service action hands them to the systemd module.
  ServiceFixture f;
  Json r = f.Run("service", {{"name", "demo"}, {"daemon-reload", true}, {"state", "restarted"}});
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(f.systemd.daemon_reloads == 1);
  CHECK(f.Run("service", {{"name", "demo"}, {"masked", true}})["changed"] == true);
  CHECK(f.systemd.units["demo.service"].enabled == "masked");
}

}  // namespace
}  // namespace tend
