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

}  // namespace
}  // namespace tend
