#include "controller/yaml/yaml.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("plain scalars resolve as YAML 1.1 does") {
  struct Case {
    const char* text;
    Json expected;
  };
  std::vector<Case> cases = {
      {"0755", 493},   {"0o755", "0o755"}, {"755", 755},       {"0x1F", 31},
      {"-12", -12},    {"1_000", 1000},    {"22:22", 1342},    {"1.5", 1.5},
      {"yes", true},   {"Off", false},     {"NO", false},      {"y", "y"},
      {"n", "n"},      {"~", nullptr},     {"null", nullptr},  {"1e5", "1e5"},
      {"0", 0},        {"08", "08"},       {"1.0.2", "1.0.2"}, {"nginx", "nginx"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(ResolvePlainScalar(c.text) == c.expected);
  }
}

TEST_CASE("quoted scalars stay strings; tags are honoured") {
  auto doc = ParseYaml("a: '0755'\nb: \"yes\"\nc: !unsafe '{{ x }}'\nd: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6162\ne: !!str 12\n", "t.yml");
  REQUIRE(doc);
  CHECK((*doc)["a"] == "0755");
  CHECK((*doc)["b"] == "yes");
  CHECK((*doc)["c"] == Json{{"__ansible_unsafe", "{{ x }}"}});
  CHECK((*doc)["d"]["__ansible_vault"] == "$ANSIBLE_VAULT;1.1;AES256\n6162\n");
  CHECK((*doc)["e"] == "12");
}

TEST_CASE("merge keys fill in without overriding, order is kept") {
  auto doc = ParseYaml("base: &b {x: 1, y: 2}\nchild:\n  <<: *b\n  y: 3\n  z: 4\n", "t.yml");
  REQUIRE(doc);
  CHECK((*doc)["child"] == Json{{"y", 3}, {"z", 4}, {"x", 1}});
}

TEST_CASE("marks locate nodes by JSON pointer") {
  YamlMarks marks;
  auto doc = ParseYaml("- hosts: all\n  tasks:\n    - name: one\n      ping:\n", "site.yml", &marks);
  REQUIRE(doc);
  CHECK(marks.Find("/0/tasks/0").ToString() == "site.yml:3:7");
  CHECK(marks.Find("/0/tasks/0/name").ToString() == "site.yml:3:13");
  CHECK(marks.Find("/0/tasks/0/nonexistent").ToString() == "site.yml:3:7");
}

TEST_CASE("syntax errors are located with a caret") {
  auto doc = ParseYaml("a: 1\nb: [1, 2\n", "bad.yml");
  REQUIRE(!doc);
  CHECK(doc.error().where.file == "bad.yml");
  CHECK(doc.error().where.line >= 2);
  CHECK(doc.error().message.rfind("YAML syntax error: ", 0) == 0);
}

TEST_CASE("an empty document is null") {
  auto doc = ParseYaml("", "e.yml");
  REQUIRE(doc);
  CHECK(doc->is_null());
}

}  // namespace tend
