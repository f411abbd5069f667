// locale_gen, modprobe, kernel_blacklist and service_facts on the FakeHost:
// the line parsers table-driven, then each module against a small stand-in
// for the system it drives (locale-gen and `locale -a`, the kernel's module
// list and modprobe, systemctl and `service`).
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "modules/kernel_parse.h"
#include "modules/test_support.h"

namespace tend {
namespace {

bool Ran(const FakeHost& host, const std::string& command) {
  const auto& commands = host.commands();
  return std::find(commands.begin(), commands.end(), command) != commands.end();
}

bool RanAny(const FakeHost& host, const std::string& prefix) {
  for (const auto& c : host.commands()) {
    if (c.starts_with(prefix)) return true;
  }
  return false;
}

// ---- parsers ----

TEST_CASE("NormaliseLocale maps locale -a spellings to the names users write") {
  const std::pair<const char*, const char*> cases[] = {
      {"en_US.utf8", "en_US.UTF-8"},
      {"en_US.UTF-8", "en_US.UTF-8"},
      {"ja_JP.eucjp", "ja_JP.EUC-JP"},
      {"de_DE.iso885915@euro", "de_DE.ISO-8859-15@euro"},
      {"ru_RU.koi8r", "ru_RU.KOI8-R"},
      {"C.utf8", "C.UTF-8"},
      {"POSIX", "POSIX"},
      {"sr_RS.utf8@latin", "sr_RS.UTF-8@latin"},
      {"en_GB", "en_GB"}};
  for (const auto& [in, out] : cases) {
    INFO(in);
    CHECK(kernel::NormaliseLocale(in) == out);
  }
}

TEST_CASE("AvailableLocale reads SUPPORTED and locale.gen lines as Ansible's pattern does") {
  const std::pair<const char*, std::optional<std::string>> cases[] = {
      {"en_US.UTF-8 UTF-8\n", "en_US.UTF-8"},
      {"# de_DE.UTF-8 UTF-8\n", "de_DE.UTF-8"},
      {"  #  fr_FR ISO-8859-1", "fr_FR"},
      {"en_US.UTF-8  UTF-8\n", std::nullopt},  // two spaces: no match
      {"# This file lists locales that you wish to have built.\n", std::nullopt},
      {"#\n", std::nullopt},
      {"\n", std::nullopt},
      {"x UTF-8\n", std::nullopt},  // a locale has at least two characters
      {"en_US.UTF-8\n", std::nullopt},
      {"en_US.UTF-8 UTF-8 \t\n", "en_US.UTF-8"}};
  for (const auto& [line, locale] : cases) {
    INFO(line);
    CHECK(kernel::AvailableLocale(line) == locale);
  }
}

TEST_CASE("SetLocaleLine enables and disables only the locale's own line") {
  struct Case {
    const char* line;
    const char* name;
    bool enable;
    const char* out;
  };
  const Case cases[] = {{"# en_US.UTF-8 UTF-8\n", "en_US.UTF-8", true, "en_US.UTF-8 UTF-8\n"},
                        {"#en_US.UTF-8 UTF-8\n", "en_US.UTF-8", true, "en_US.UTF-8 UTF-8\n"},
                        {"en_US.UTF-8 UTF-8\n", "en_US.UTF-8", true, "en_US.UTF-8 UTF-8\n"},
                        {"en_US.UTF-8 UTF-8\n", "en_US.UTF-8", false, "# en_US.UTF-8 UTF-8\n"},
                        {"# en_US.UTF-8 UTF-8", "en_US.UTF-8", false, "# en_US.UTF-8 UTF-8"},
                        {"# en_US ISO-8859-1\n", "en_US.UTF-8", true, "# en_US ISO-8859-1\n"},
                        {"# en_US.UTF-8 UTF-8\n", "en_US", true, "# en_US.UTF-8 UTF-8\n"},
                        {"## en_US.UTF-8 UTF-8\n", "en_US.UTF-8", true, "## en_US.UTF-8 UTF-8\n"},
                        {"# en_US.UTF-8\n", "en_US.UTF-8", true, "# en_US.UTF-8\n"}};
  for (const auto& c : cases) {
    INFO(c.line, " ", c.name, " ", c.enable);
    CHECK(kernel::SetLocaleLine(c.line, c.name, c.enable) == c.out);
  }
}

TEST_CASE("LoadsModule and ModuleOption read modules-load.d and modprobe.d lines") {
  const std::pair<const char*, bool> loads[] = {
      {"dummy\n", true},    {"  dummy  \n", true}, {"dummy # for tests\n", true},
      {"dummy;x", true},    {"#dummy\n", false},   {"dummy2\n", false},
      {"dummy x\n", false}, {"\tdummy\n", false},  {"\n", false}};
  for (const auto& [line, expected] : loads) {
    INFO(line);
    CHECK(kernel::LoadsModule(line, "dummy") == expected);
  }
  const std::pair<const char*, std::optional<std::string>> options[] = {
      {"options dummy numdummies=2\n", "numdummies=2"},
      {"options dummy numdummies=2  # two\n", "numdummies=2"},
      {"options dummy a=1 b=2\n", std::nullopt},  // one parameter per line only
      {"#options dummy numdummies=2\n", std::nullopt},
      {"options dummy2 numdummies=2\n", std::nullopt},
      {"options dummy =2\n", std::nullopt},
      {"options dummy numdummies=\n", std::nullopt},
      {"options  dummy numdummies=2\n", std::nullopt}};
  for (const auto& [line, param] : options) {
    INFO(line);
    CHECK(kernel::ModuleOption(line, "dummy") == param);
  }
}

TEST_CASE("BlacklistsModule matches 'blacklist <name>' lines only") {
  const std::pair<const char*, bool> cases[] = {
      {"blacklist nouveau", true},          {"  blacklist\tnouveau  ", true},
      {"blacklist  nouveau", true},         {"blacklistnouveau", false},
      {"blacklist nouveau2", false},        {"# blacklist nouveau", false},
      {"install nouveau /bin/false", false}};
  for (const auto& [line, expected] : cases) {
    INFO(line);
    CHECK(kernel::BlacklistsModule(line, "nouveau") == expected);
  }
}

TEST_CASE("ParseListUnits: state from SUB, status from ACTIVE unless a bad state shows") {
  Json units = kernel::ParseListUnits(
      "ssh.service loaded active running OpenBSD Secure Shell server\n"
      "cron.service loaded inactive dead Regular background program processing daemon\n"
      "broken.service loaded failed failed A unit that failed\n"
      "gone.service not-found inactive dead gone.service\n"
      "hidden.service masked inactive dead hidden.service\n"
      "odd.service loaded\n"
      "dev-sda.device loaded active plugged Disk\n");
  CHECK(units.size() == 5);
  CHECK(units["ssh.service"] == Json{{"name", "ssh.service"},
                                     {"state", "running"},
                                     {"status", "active"},
                                     {"source", "systemd"}});
  CHECK(units["cron.service"]["state"] == "stopped");
  CHECK(units["cron.service"]["status"] == "inactive");
  CHECK(units["broken.service"]["status"] == "failed");
  CHECK(units["gone.service"]["status"] == "not-found");
  CHECK(units["hidden.service"]["status"] == "masked");
}

TEST_CASE("ParseListUnitFiles, ParseStatusAll and ParseActiveStates") {
  auto rows = kernel::ParseListUnitFiles(
      "ssh.service enabled enabled\n"
      "getty@.service enabled enabled\n"
      "sshd.service alias -\n"
      "weird.service\n"
      "tmp.mount static -\n");
  using Rows = std::vector<std::pair<std::string, std::string>>;
  CHECK(rows == Rows{{"ssh.service", "enabled"},
                     {"getty@.service", "enabled"},
                     {"sshd.service", "alias"},
                     {"weird.service", ""}});

  Json sysv = kernel::ParseStatusAll(
      " [ + ]  ssh\n"
      " [ - ]  procps\n"
      " [ ? ]  hwclock.sh\n"
      "not a status line\n");
  CHECK(sysv.size() == 2);
  CHECK(sysv["ssh"] == Json{{"name", "ssh"}, {"state", "running"}, {"source", "sysv"}});
  CHECK(sysv["procps"]["state"] == "stopped");

  CHECK(kernel::ParseActiveStates("ActiveState=inactive\n\nActiveState=active\n", 2) ==
        std::vector<std::string>{"inactive", "active"});
  CHECK_FALSE(kernel::ParseActiveStates("ActiveState=inactive\n", 2).has_value());
}

// ---- locale_gen ----

constexpr const char* kSupportedText =
    "en_US.UTF-8 UTF-8\n"
    "en_US ISO-8859-1\n"
    "de_DE.UTF-8 UTF-8\n"
    "fr_FR.UTF-8 UTF-8\n"
    "it_IT.UTF-8 UTF-8\n";

constexpr const char* kLocaleGenText =
    "# This file lists locales that you wish to have built.\n"
    "\n"
    "# de_DE.UTF-8 UTF-8\n"
    "en_US.UTF-8 UTF-8\n"
    "# en_US ISO-8859-1\n"
    "# fr_FR.UTF-8 UTF-8\n";

// locale-gen builds what locale.gen enables; `locale -a` lists it the way
// glibc spells it ("en_US.utf8"), with the built-in C locales.
struct LocaleFixture {
  FakeHost host = MakeHost();
  std::set<std::string> built{"en_US.utf8"};
  int generated = 0;
  int locale_gen_rc = 0;

  LocaleFixture() {
    host.AddFile("/usr/share/i18n/SUPPORTED", kSupportedText);
    host.AddFile("/etc/locale.gen", kLocaleGenText, 0600);
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) { return Handle(spec, h); });
    host.ClearRecords();
  }

  static std::string GlibcSpelling(std::string name) {
    size_t at = name.find(".UTF-8");
    if (at != std::string::npos) name.replace(at, 6, ".utf8");
    return name;
  }

  ProcessResult Handle(const ProcessSpec& spec, FakeHost& h) {
    if (spec.argv == std::vector<std::string>{"locale", "-a"}) {
      std::string out = "C\nC.utf8\nPOSIX\n";
      for (const auto& name : built) out += name + "\n";
      return {0, out, ""};
    }
    if (spec.argv[0] == "locale-gen") {
      if (locale_gen_rc != 0) return {locale_gen_rc, "", "locale-gen: disk full\n"};
      ++generated;
      built.clear();
      for (const auto& line : kernel::LinesWithEnds(h.Content("/etc/locale.gen"))) {
        auto words = kernel::Words(line);
        if (!words.empty() && !words[0].starts_with('#')) built.insert(GlibcSpelling(words[0]));
      }
      return {};
    }
    return {127, "", "unexpected command\n"};
  }

  Task Locale(Json args) {
    return Task{.host = host, .module = "locale_gen", .args = std::move(args)};
  }
};

TEST_CASE("locale_gen: present uncomments the line and runs locale-gen once; idempotent") {
  LocaleFixture f;
  Json first = f.Locale({{"name", "de_DE.UTF-8"}}).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["name"] == Json::array({"de_DE.UTF-8"}));
  CHECK(first["mechanism"] == "glibc");
  CHECK(first["ubuntu_mode"] == false);
  CHECK(f.host.Content("/etc/locale.gen") ==
        "# This file lists locales that you wish to have built.\n\nde_DE.UTF-8 UTF-8\n"
        "en_US.UTF-8 UTF-8\n# en_US ISO-8859-1\n# fr_FR.UTF-8 UTF-8\n");
  CHECK(f.host.Find("/etc/locale.gen")->mode == 0600);
  CHECK(f.host.changes() == std::vector<std::string>{"write /etc/locale.gen"});
  CHECK(Ran(f.host, "locale-gen"));
  CHECK(f.built.contains("de_DE.utf8"));

  f.host.ClearRecords();
  CheckIdempotent(f.Locale({{"name", "fr_FR.UTF-8"}, {"state", "present"}}));
  f.host.ClearRecords();
  Json again = f.Locale({{"name", "de_DE.UTF-8"}}).Run();
  CHECK(again["changed"] == false);
  CHECK_FALSE(RanAny(f.host, "locale-gen"));
  CHECK(f.generated == 2);
}

TEST_CASE("locale_gen: check mode reports the change and neither edits nor generates") {
  LocaleFixture f;
  CheckCheckMode(f.Locale({{"name", "de_DE.UTF-8"}}));
  CHECK_FALSE(RanAny(f.host, "locale-gen"));
  CHECK(f.host.Content("/etc/locale.gen") == kLocaleGenText);
  CheckCheckMode(f.Locale({{"name", "en_US.UTF-8"}, {"state", "absent"}}));
  CHECK(f.generated == 0);
}

TEST_CASE("locale_gen: absent comments the line out and regenerates; idempotent") {
  LocaleFixture f;
  CheckIdempotent(f.Locale({{"name", "en_US.UTF-8"}, {"state", "absent"}}));
  CHECK(f.host.Content("/etc/locale.gen").find("\n# en_US.UTF-8 UTF-8\n") != std::string::npos);
  CHECK_FALSE(f.built.contains("en_US.utf8"));
  CHECK(f.generated == 1);
}

TEST_CASE("locale_gen: a list of names, or a comma-separated string, in one locale-gen run") {
  LocaleFixture f;
  Json r = f.Locale({{"name", "de_DE.UTF-8,en_US"}}).Run();
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(r["name"] == Json::array({"de_DE.UTF-8", "en_US"}));
  CHECK(f.generated == 1);
  CHECK(f.built.contains("de_DE.utf8"));
  CHECK(f.built.contains("en_US"));
  f.host.ClearRecords();
  Json all = f.Locale({{"name", Json::array({"en_US.UTF-8", "de_DE.UTF-8", "en_US"})}}).Run();
  CHECK(all["changed"] == false);
  CHECK(f.host.changes().empty());
}

TEST_CASE("locale_gen: locale -a spellings count as present (en_US.utf8 is en_US.UTF-8, C.UTF-8)") {
  LocaleFixture f;
  Json r = f.Locale({{"name", "en_US.UTF-8"}}).Run();
  CHECK(r["changed"] == false);
  // C.UTF-8 is built in: listed nowhere in SUPPORTED, yet present.
  Json c = f.Locale({{"name", "C.UTF-8"}}).Run();
  INFO(c.dump());
  CHECK(c["changed"] == false);
  CHECK(c.value("failed", false) == false);
  CHECK(f.host.changes().empty());
}

TEST_CASE(
    "locale_gen: unavailable locales, missing locales package and bad arguments fail clearly") {
  LocaleFixture f;
  Json r = f.Locale({{"name", Json::array({"xx_YY.UTF-8", "de_DE.UTF-8", "zz_ZZ"})}}).Run();
  CHECK(r["failed"] == true);
  CHECK(r["msg"] ==
        "The following locales you have entered are not available on your system: xx_YY.UTF-8, "
        "zz_ZZ");
  CHECK(f.host.changes().empty());

  CHECK(f.Locale({{"name", "de_DE.UTF-8"}, {"state", "built"}})
            .Run()["msg"]
            .get<std::string>()
            .starts_with("value of state must be one of: absent, present, got: built"));
  CHECK(f.Locale({{"state", "present"}}).Run()["msg"] == "missing required arguments: name");

  FakeHost bare = MakeHost();
  Json missing =
      Task{.host = bare, .module = "locale_gen", .args = {{"name", "en_US.UTF-8"}}}.Run();
  CHECK(missing["msg"] ==
        "/var/lib/locales/supported.d and /etc/locale.gen are missing. Is the package \"locales\" "
        "installed?");
}

TEST_CASE("locale_gen: a supported locale without a locale.gen line, and a failing locale-gen") {
  LocaleFixture f;
  // it_IT.UTF-8 is in SUPPORTED but the fixture's locale.gen has no line for it.
  Json none = f.Locale({{"name", "it_IT.UTF-8"}}).Run();
  CHECK(none["failed"] == true);
  CHECK(none["msg"] ==
        "/etc/locale.gen has no line for it_IT.UTF-8 to enable; add \"it_IT.UTF-8 <charset>\" to "
        "it first");
  CHECK(f.host.changes().empty());

  f.locale_gen_rc = 1;
  Json failed = f.Locale({{"name", "de_DE.UTF-8"}}).Run();
  CHECK(failed["failed"] == true);
  CHECK(failed["msg"] == "locale-gen failed (rc=1): locale-gen: disk full");
}

TEST_CASE("locale_gen: Ubuntu's legacy supported.d: locale-gen <name>, absent purges") {
  FakeHost host = MakeHost();
  host.AddFile("/usr/share/i18n/SUPPORTED", kSupportedText);
  host.AddFile("/var/lib/locales/supported.d/local", "en_US.UTF-8 UTF-8\nde_DE.UTF-8 UTF-8\n");
  std::set<std::string> built{"en_US.utf8", "de_DE.utf8"};
  host.OnRun([&](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
    if (spec.argv[0] == "locale") {
      std::string out;
      for (const auto& name : built) out += name + "\n";
      return {0, out, ""};
    }
    if (spec.argv.size() == 2 && spec.argv[1] == "--purge") built.erase("de_DE.utf8");
    if (spec.argv.size() == 2 && spec.argv[1] == "fr_FR.UTF-8") built.insert("fr_FR.utf8");
    return {};
  });
  host.ClearRecords();
  Json add = Task{.host = host, .module = "locale_gen", .args = {{"name", "fr_FR.UTF-8"}}}.Run();
  INFO(add.dump());
  CHECK(add["mechanism"] == "ubuntu_legacy");
  CHECK(add["ubuntu_mode"] == true);
  CHECK(host.commands().back() == "locale-gen fr_FR.UTF-8");

  host.ClearRecords();
  CheckIdempotent(Task{.host = host,
                       .module = "locale_gen",
                       .args = {{"name", "de_DE.UTF-8"}, {"state", "absent"}}});
  CHECK(host.Content("/var/lib/locales/supported.d/local") == "en_US.UTF-8 UTF-8\n");
}

// ---- modprobe ----

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

// ---- kernel_blacklist ----

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

// ---- service_facts ----

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
