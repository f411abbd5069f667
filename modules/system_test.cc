#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/system_parse.h"
#include "modules/test_support.h"
#include "modules/text.h"

namespace tend {
namespace {

// ---- systemctl show parsing and the decision table ----

TEST_CASE("ParseSystemctlShow: key=value lines, multi-line Exec values, '=' in values") {
  Json status = ParseSystemctlShow(
      "Type=simple\n"
      "ExecStart={ path=/usr/bin/sleep ; argv[]=/usr/bin/sleep infinity ; ignore_errors=no }\n"
      "ExecReload={ path=/bin/kill ; argv[]=/bin/kill -HUP $MAINPID\n"
      "  ; ignore_errors=no }\n"
      "Environment=A=1 B=2\n"
      "ActiveState=active\n"
      "not a property line\n"
      "FragmentPath=/etc/systemd/system/demo.service\n");
  CHECK(status["Type"] == "simple");
  CHECK(status["ExecStart"] ==
        "{ path=/usr/bin/sleep ; argv[]=/usr/bin/sleep infinity ; ignore_errors=no }");
  CHECK(status["ExecReload"] ==
        "{ path=/bin/kill ; argv[]=/bin/kill -HUP $MAINPID\n  ; ignore_errors=no }");
  CHECK(status["Environment"] == "A=1 B=2");
  CHECK(status["ActiveState"] == "active");
  CHECK(status["FragmentPath"] == "/etc/systemd/system/demo.service");
  CHECK(status.size() == 6);
}

TEST_CASE("ServiceAction: desired state x ActiveState -> systemctl verb") {
  struct Case {
    const char* desired;
    const char* active;
    std::optional<std::string> action;
  };
  const Case cases[] = {
      {"started", "active", std::nullopt},     {"started", "activating", std::nullopt},
      {"started", "inactive", "start"},        {"started", "failed", "start"},
      {"stopped", "active", "stop"},           {"stopped", "deactivating", "stop"},
      {"stopped", "inactive", std::nullopt},   {"stopped", "failed", std::nullopt},
      {"restarted", "active", "restart"},      {"restarted", "inactive", "start"},
      {"reloaded", "active", "reload"},        {"reloaded", "inactive", "start"},
  };
  for (const auto& c : cases) {
    INFO(c.desired, " from ", c.active);
    CHECK(ServiceAction(c.desired, c.active) == c.action);
  }
}

TEST_CASE("IsEnabledOutput reads is-enabled like Ansible") {
  CHECK(IsEnabledOutput(0, "enabled\n"));
  CHECK(IsEnabledOutput(0, "static\n"));
  CHECK_FALSE(IsEnabledOutput(0, "indirect\n"));
  CHECK_FALSE(IsEnabledOutput(0, "alias\n"));
  CHECK_FALSE(IsEnabledOutput(1, "disabled\n"));
  CHECK_FALSE(IsEnabledOutput(1, "masked\n"));
}

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

// ---- authorized_key ----

constexpr const char* kKeyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaa alice@laptop";
constexpr const char* kKeyB = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABbbb bob@desk";

TEST_CASE("ParseAuthorizedKey: options, type, key, comment; non-key lines") {
  auto k = ParseAuthorizedKey(
      R"(no-pty,command="echo a,b",from="10.0.0.1" ssh-ed25519 AAAAkey some comment here)", 3);
  REQUIRE(k);
  CHECK(k->type == "ssh-ed25519");
  CHECK(k->key == "AAAAkey");
  CHECK(k->comment == "some comment here");
  CHECK(k->rank == 3);
  using Options = std::vector<std::pair<std::string, std::optional<std::string>>>;
  CHECK(k->options == Options{{"no-pty", std::nullopt},
                              {"command", "\"echo a,b\""},
                              {"from", "\"10.0.0.1\""}});
  CHECK(ParseAuthorizedKey("ssh-rsa AAAA", 0)->comment == "");
  CHECK_FALSE(ParseAuthorizedKey("not a key", 0));
  CHECK_FALSE(ParseAuthorizedKey("ssh-rsa", 0));
  auto comment = ParseAuthorizedKey("# ssh-rsa AAAA old\n", 0);
  REQUIRE(comment);
  CHECK_FALSE(comment->IsKey());
  CHECK(ParseAuthorizedKey(R"(ssh-rsa AAAA a\#b)", 0)->comment == "a#b");
}

TEST_CASE("MergeAuthorizedKeys: append, keep, replace options, absent, exclusive") {
  std::string existing = std::string("# managed\n") + kKeyA + "\n";
  auto added = MergeAuthorizedKeys(existing, {.keys_text = kKeyB}, nullptr);
  REQUIRE(added);
  CHECK(added->changed);
  CHECK(added->content == existing + kKeyB + "\n");

  auto again = MergeAuthorizedKeys(added->content, {.keys_text = kKeyB}, nullptr);
  CHECK_FALSE(again->changed);
  CHECK(again->content == added->content);

  auto opts = MergeAuthorizedKeys(added->content,
                                  {.keys_text = kKeyA, .key_options = "no-pty,from=\"10.*\""},
                                  nullptr);
  CHECK(opts->content == std::string("# managed\n") + kKeyB + "\nno-pty,from=\"10.*\" " + kKeyA +
                             "\n");

  auto removed = MergeAuthorizedKeys(added->content, {.keys_text = kKeyA, .present = false}, nullptr);
  CHECK(removed->content == std::string("# managed\n") + kKeyB + "\n");
  CHECK_FALSE(MergeAuthorizedKeys(removed->content, {.keys_text = kKeyA, .present = false}, nullptr)
                  ->changed);

  // Exclusive drops every other line, comments included, and keeps the given order.
  std::string both = std::string(kKeyB) + "\n# a note\n" + kKeyA + "\n";
  auto exclusive = MergeAuthorizedKeys(both, {.keys_text = kKeyA, .exclusive = true}, nullptr);
  CHECK(exclusive->content == std::string(kKeyA) + "\n");
  CHECK_FALSE(MergeAuthorizedKeys(exclusive->content, {.keys_text = kKeyA, .exclusive = true}, nullptr)
                  ->changed);

  std::string invalid;
  CHECK_FALSE(MergeAuthorizedKeys("", {.keys_text = "garbage"}, &invalid));
  CHECK(invalid == "garbage");
}

TEST_CASE("authorized_key: creates ~/.ssh 0700 and the file 0600, owned by the user; idempotent") {
  FakeHost host = MakeHost();
  Task task{.host = host,
            .module = "authorized_key",
            .args = {{"user", "app"}, {"key", std::string(kKeyA) + "\n# skip\n\n" + kKeyB}},
            .diff = true};
  CheckCheckMode(task);
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["keyfile"] == "/srv/.ssh/authorized_keys");
  CHECK(first["diff"]["before"] == "");
  CHECK(first["diff"]["after"] == std::string(kKeyA) + "\n" + kKeyB + "\n");
  const auto* dir = host.Find("/srv/.ssh");
  REQUIRE(dir);
  CHECK(dir->kind == FileKind::kDirectory);
  CHECK(dir->mode == 0700);
  CHECK(dir->uid == 1001);
  const auto* file = host.Find("/srv/.ssh/authorized_keys");
  REQUIRE(file);
  CHECK(file->mode == 0600);
  CHECK(file->uid == 1001);
  CHECK(file->gid == 1001);
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(host.changes().empty());
}

TEST_CASE("authorized_key: path, comment, absent, unknown user, bad key") {
  FakeHost host = MakeHost();
  host.AddDirectory("/etc/ssh");
  host.AddDirectory("/etc/ssh/keys");
  CheckIdempotent(Task{.host = host,
                       .module = "authorized_key",
                       .args = {{"user", "app"},
                                {"key", kKeyA},
                                {"path", "/etc/ssh/keys/app"},
                                {"manage_dir", false},
                                {"comment", "deploy"}}});
  CHECK(host.Content("/etc/ssh/keys/app") ==
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaa deploy\n");
  CheckIdempotent(Task{.host = host,
                       .module = "authorized_key",
                       .args = {{"user", "app"},
                                {"key", kKeyA},
                                {"path", "/etc/ssh/keys/app"},
                                {"state", "absent"}}});
  CHECK(host.Content("/etc/ssh/keys/app") == "");

  Json nouser = Task{.host = host, .module = "authorized_key", .args = {{"user", "ghost"}, {"key", kKeyA}}}.Run();
  CHECK(nouser["msg"] == "Failed to lookup user ghost: 'getpwnam(): name not found: ghost'");
  Json bad = Task{.host = host, .module = "authorized_key", .args = {{"user", "app"}, {"key", "ssh-foo AAAA"}}}.Run();
  CHECK(bad["msg"] == "invalid key specified: ssh-foo AAAA");
}

// ---- timezone ----

FakeHost TimezoneHost() {
  FakeHost host = MakeHost();
  for (const char* d : {"/usr", "/usr/share", "/usr/share/zoneinfo", "/usr/share/zoneinfo/Etc",
                        "/usr/share/zoneinfo/Europe"}) {
    host.AddDirectory(d);
  }
  host.AddFile("/usr/share/zoneinfo/Etc/UTC", "TZif2 utc");
  host.AddFile("/usr/share/zoneinfo/Europe/Berlin", "TZif2 berlin");
  host.AddDirectory("/etc");
  host.AddFile("/etc/debian_version", "12.5\n");
  host.AddLink("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
  host.AddFile("/etc/timezone", "Etc/UTC\n");
  host.ClearRecords();
  return host;
}

TEST_CASE("timezone: links /etc/localtime, writes /etc/timezone, diff, idempotent, check mode") {
  FakeHost host = TimezoneHost();
  Task task{.host = host, .module = "timezone", .args = {{"name", "Europe/Berlin"}}};
  CheckCheckMode(task);
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["diff"] == Json{{"before", {{"name", "Etc/UTC"}}}, {"after", {{"name", "Europe/Berlin"}}}});
  const auto* link = host.Find("/etc/localtime");
  REQUIRE(link);
  CHECK(link->kind == FileKind::kLink);
  CHECK(link->content == "/usr/share/zoneinfo/Europe/Berlin");
  CHECK(host.Content("/etc/timezone") == "Europe/Berlin\n");
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(host.changes().empty());
}

TEST_CASE("timezone: a stale /etc/timezone alone is fixed; unknown zones fail clearly") {
  FakeHost host = TimezoneHost();
  host.AddFile("/etc/timezone", "Europe/Berlin\n");
  host.ClearRecords();
  CheckIdempotent(Task{.host = host, .module = "timezone", .args = {{"name", "Etc/UTC"}}});
  CHECK(host.Content("/etc/timezone") == "Etc/UTC\n");

  for (const char* zone : {"Mars/Olympus", "Europe", "../../etc/passwd"}) {
    Json r = Task{.host = host, .module = "timezone", .args = {{"name", zone}}}.Run();
    CHECK(r["failed"] == true);
    CHECK(r["msg"] == fmt::format("Error message:\ngiven timezone \"{}\" is not available", zone));
  }
  Json none = Task{.host = host, .module = "timezone", .args = Json::object()}.Run();
  CHECK(none["failed"] == true);
}

TEST_CASE("timezone: hwclock (alias rtc) in /etc/adjtime") {
  CHECK(HwclockFromAdjtime("") == "UTC");
  CHECK(HwclockFromAdjtime("0.0 0 0.0\n0\nLOCAL\n") == "local");
  CHECK(AdjtimeWith("", "local") == "0.0 0 0.0\n0\nLOCAL\n");
  CHECK(AdjtimeWith("1.5 2 0.0\n7\nLOCAL\n", "UTC") == "1.5 2 0.0\n7\nUTC\n");
  FakeHost host = TimezoneHost();
  Task task{.host = host, .module = "timezone", .args = {{"rtc", "local"}}};
  CheckIdempotent(task);
  CHECK(host.Content("/etc/adjtime") == "0.0 0 0.0\n0\nLOCAL\n");
}


// ---- hostname ----

TEST_CASE("hostname: /etc/hostname and the running name; facts, diff, idempotent") {
  FakeHost host = MakeHost();
  host.AddDirectory("/proc");
  host.AddDirectory("/proc/sys");
  host.AddDirectory("/proc/sys/kernel");
  host.AddFile("/proc/sys/kernel/hostname", "old\n");
  host.AddFile("/etc/hostname", "old\n");
  host.AddFile("/etc/hosts", "127.0.0.1 localhost\n127.0.1.1 web1.example.org web1\n");
  host.OnRun([](const ProcessSpec& spec, FakeHost& h) {
    if (spec.argv[0] == "hostname") h.AddFile("/proc/sys/kernel/hostname", spec.argv[1] + "\n");
    return ProcessResult{};
  });
  host.ClearRecords();
  Task task{.host = host, .module = "hostname", .args = {{"name", "web1"}}};
  CheckCheckMode(task);
  CHECK(host.commands().empty());
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["diff"] == Json{{"after", "hostname = web1\n"}, {"before", "hostname = old\n"}});
  CHECK(first["ansible_facts"]["ansible_fqdn"] == "web1.example.org");
  CHECK(first["ansible_facts"]["ansible_domain"] == "example.org");
  CHECK(first["ansible_facts"]["ansible_hostname"] == "web1");
  CHECK(host.Content("/etc/hostname") == "web1\n");
  CHECK(host.commands() == std::vector<std::string>{"hostname web1"});
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(host.changes().empty());
  CHECK(host.commands().empty());
}

// ---- sysctl ----

struct SysctlFixture {
  FakeHost host = MakeHost();
  std::map<std::string, std::string> kernel{{"vm.swappiness", "60"}};
  SysctlFixture() {
    host.AddFile("/etc/sysctl.conf", "# tuning\nvm.swappiness = 60\nnet.core.somaxconn=1024\n");
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) -> ProcessResult {
      const auto& a = spec.argv;
      if (a[1] == "-e" && a[2] == "-n") {
        auto it = kernel.find(a[3]);
        return it == kernel.end() ? ProcessResult{255, "", "unknown key"}
                                  : ProcessResult{0, it->second + "\n", ""};
      }
      if (a[1] == "-w") kernel[a[2].substr(0, a[2].find('='))] = a[2].substr(a[2].find('=') + 1);
      if (a[1] == "-p") {
        for (const auto& line : SplitLines(h.Content(a[2]))) {
          std::string l = line.get<std::string>();
          if (l.find('=') != std::string::npos && l[0] != '#')
            kernel[l.substr(0, l.find('='))] = l.substr(l.find('=') + 1);
        }
      }
      return {};
    });
    host.ClearRecords();
  }
};

TEST_CASE("sysctl: rewrites the key, reloads the file, second run does nothing") {
  SysctlFixture f;
  Task task{.host = f.host, .module = "sysctl", .args = {{"name", "vm.swappiness"}, {"value", 10}}};
  CheckCheckMode(task);
  CheckIdempotent(task);
  CHECK(f.host.Content("/etc/sysctl.conf") ==
        "# tuning\nvm.swappiness=10\nnet.core.somaxconn=1024\n");
  CHECK(f.kernel["vm.swappiness"] == "10");

  Task added{.host = f.host,
             .module = "sysctl",
             .args = {{"key", "net.ipv4.ip_forward"}, {"val", true}, {"reload", false}}};
  CheckIdempotent(added);
  CHECK(f.host.Content("/etc/sysctl.conf").ends_with("net.ipv4.ip_forward=1\n"));

  Task absent{.host = f.host,
              .module = "sysctl",
              .args = {{"name", "net.core.somaxconn"}, {"state", "absent"}, {"reload", false}}};
  CheckIdempotent(absent);
  CHECK(f.host.Content("/etc/sysctl.conf").find("somaxconn") == std::string::npos);

  Json missing = Task{.host = f.host, .module = "sysctl", .args = {{"name", "vm.x"}}}.Run();
  CHECK(missing["failed"] == true);
}

TEST_CASE("sysctl: sysctl_set writes the running value with sysctl -w") {
  SysctlFixture f;
  f.host.AddFile("/etc/sysctl.d/90-app.conf", "");
  f.host.ClearRecords();
  Task task{.host = f.host,
            .module = "sysctl",
            .args = {{"name", "vm.swappiness"},
                     {"value", "5"},
                     {"sysctl_set", true},
                     {"reload", false},
                     {"sysctl_file", "/etc/sysctl.d/90-app.conf"}}};
  CheckIdempotent(task);
  CHECK(f.kernel["vm.swappiness"] == "5");
  CHECK(f.host.Content("/etc/sysctl.d/90-app.conf") == "vm.swappiness=5\n");
}

// ---- getent ----

TEST_CASE("getent: records keyed by the first field, getent_<db> fact, missing keys") {
  FakeHost host = MakeHost();
  host.OnRun([](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
    std::string args;
    for (size_t i = 1; i < spec.argv.size(); ++i) args += (i > 1 ? " " : "") + spec.argv[i];
    if (args == "passwd root") return {0, "root:x:0:0:root:/root:/bin/bash\n", ""};
    if (args == "hosts") return {0, "127.0.0.1       localhost\n::1  localhost ip6-localhost\n", ""};
    if (args == "passwd ghost") return {2, "", ""};
    if (args == "nosuchdb") return {1, "", "Unknown database\n"};
    return {0, "", ""};
  });
  Json root = Task{.host = host, .module = "getent", .args = {{"database", "passwd"}, {"key", "root"}}}.Run();
  CHECK(root["changed"] == false);
  CHECK(root["ansible_facts"]["getent_passwd"]["root"] ==
        Json::array({"x", "0", "0", "root", "/root", "/bin/bash"}));
  Json hosts = Task{.host = host, .module = "getent", .args = {{"database", "hosts"}}}.Run();
  CHECK(hosts["ansible_facts"]["getent_hosts"] ==
        Json{{"127.0.0.1", {"localhost"}}, {"::1", {"localhost", "ip6-localhost"}}});
  Json ghost = Task{.host = host, .module = "getent", .args = {{"database", "passwd"}, {"key", "ghost"}}}.Run();
  CHECK(ghost["failed"] == true);
  CHECK(ghost["msg"] == "One or more supplied key could not be found in the database.");
  Json lenient = Task{.host = host,
                      .module = "getent",
                      .args = {{"database", "passwd"}, {"key", "ghost"}, {"fail_key", false}}}
                     .Run();
  CHECK(lenient["failed"] != true);
  CHECK(lenient["ansible_facts"]["getent_passwd"]["ghost"].is_null());
  Json unknown = Task{.host = host, .module = "getent", .args = {{"database", "nosuchdb"}}}.Run();
  CHECK(unknown["msg"] == "Missing arguments, or database unknown.");
}

}  // namespace
}  // namespace tend
