#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "modules/parsers/kernel_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

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

}  // namespace
}  // namespace tend
