#include "controller/config/ini.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("ParseIni reads configparser's dialect") {
  auto ini = ParseIni(
      "# a comment\n"
      "; another\n"
      "[defaults]\n"
      "Inventory = hosts.ini   ; trailing comment\n"
      "forks: 20\n"
      "roles_path = roles\n"
      "   more/roles\n"
      "\n"
      "    after/blank\n"
      "hash = a#b\n"
      "[privilege_escalation]\n"
      "  become=True\n",
      "/p/ansible.cfg");
  REQUIRE(ini.has_value());
  REQUIRE(ini->sections.size() == 2);
  CHECK(ini->Find("defaults", "inventory")->value == "hosts.ini");
  CHECK(ini->Find("defaults", "inventory")->line == 4);
  CHECK(ini->Find("defaults", "forks")->value == "20");
  CHECK(ini->Find("defaults", "roles_path")->value == "roles\nmore/roles\n\nafter/blank");
  CHECK(ini->Find("defaults", "hash")->value == "a#b");
  CHECK(ini->Find("privilege_escalation", "become")->value == "True");
  CHECK(ini->Find("privilege_escalation", "forks") == nullptr);
}

TEST_CASE("ParseIni locates malformed lines") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"forks = 5\n", "/p/a.cfg:1: a setting before any [section] header: 'forks = 5'"},
      {"[defaults]\nforks\n", "/p/a.cfg:2: expected 'key = value', got 'forks'"},
      {"[defaults]\n = 5\n", "/p/a.cfg:2: a setting with no name: '= 5'"},
      {"[defaults]\nforks=1\nFORKS=2\n", "/p/a.cfg:3: 'forks' is already set in [defaults] (line 2)"},
      {"[defaults]\n[x]\n[defaults]\n", "/p/a.cfg:3: section 'defaults' already exists (line 1)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto ini = ParseIni(c.text, "/p/a.cfg");
    REQUIRE_FALSE(ini.has_value());
    CHECK(ini.error().ToString() == c.error);
  }
}

}  // namespace
}  // namespace tend
