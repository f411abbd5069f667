#include "controller/yaml/yaml.h"

#include <doctest/doctest.h>

#include <cmath>

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
      // Past the double range, as Python's float() (fuzz_yaml: stod threw).
      {"1.0e-99999", 0.0}, {"1.0e+99999", INFINITY},
      // Past 64 bits stays a string (Python would have a big int).
      {"1:00:00:00:00:00:00:00:00:00:00:00", "1:00:00:00:00:00:00:00:00:00:00:00"},
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

namespace tend {

// issue 21: yaml-cpp closed the quote at the end of the file, so the next
// task became part of a string and the run exited 0.
TEST_CASE("a quote left open until the end of the file is a located error") {
  const std::string text = "- hosts: all\n  tasks:\n    - debug:\n        msg: \"hello\n"
                           "    - debug: msg=next\n";
  auto doc = ParseYaml(text, "site.yml");
  REQUIRE_FALSE(doc);
  CHECK(doc.error().ToString() ==
        "site.yml:4:14: YAML syntax error: found unexpected end of stream (a quote is not "
        "closed)\n            msg: \"hello\n                 ^");
  auto single = ParseYaml("a: 'it''s\nb: 1\n", "v.yml");
  REQUIRE_FALSE(single);
  CHECK(single.error().where.line == 1);
  CHECK(ParseYaml("a: 'it''s'\nb: \"q\\\"\"\n", "v.yml").value() ==
        Json{{"a", "it's"}, {"b", "q\""}});
}

TEST_CASE("duplicate mapping keys keep the last value and warn as Ansible does") {
  std::vector<std::string> warnings;
  SetYamlWarningSink([&](const std::string& w) { warnings.push_back(w); });
  auto doc = ParseYaml("vars:\n  a: 1\n  b: 2\n  a: 3\n", "/p/site.yml");
  SetYamlWarningSink(nullptr);
  REQUIRE(doc);
  CHECK(doc->dump() == R"({"vars":{"a":3,"b":2}})");
  CHECK(warnings == std::vector<std::string>{
                        "While constructing a mapping from /p/site.yml, line 2, column 3, found a "
                        "duplicate dict key (a). Using last defined value only."});
}

TEST_CASE("large mappings keep their order and their last values") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "k" + std::to_string(i) + ": " + std::to_string(i) + "\n";
  text += "k7: last\n";
  SetYamlWarningSink([](const std::string&) {});
  auto doc = ParseYaml(text, "big.yml");
  SetYamlWarningSink(nullptr);
  REQUIRE(doc);
  REQUIRE(doc->size() == 5000);
  CHECK(doc->begin().key() == "k0");
  CHECK((*doc)["k7"] == "last");
  CHECK((*doc)["k4999"] == 4999);
}

// issue 21: 636 bytes of nested aliases grew tend to gigabytes.
TEST_CASE("an alias bomb is a located error, not an expansion") {
  std::string text = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    text += std::string(1, c) + ": &" + c + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev +
            ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + "]\n";
  }
  auto doc = ParseYaml(text, "bomb.yml");
  REQUIRE_FALSE(doc);
  CHECK(doc.error().where.file == "bomb.yml");
  CHECK(doc.error().where.line > 0);
  CHECK(doc.error().message ==
        "YAML aliases expand this document beyond 1000000 values (an alias bomb?)");
}

TEST_CASE("deep nesting is an error, not a stack overflow") {
  std::string flow = std::string(100000, '[') + std::string(100000, ']');
  CHECK_FALSE(ParseYaml(flow, "deep.yml"));
  std::string chain = "a0: &a0 []\n";
  for (int i = 1; i < 1500; ++i) {
    chain += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [*a" + std::to_string(i - 1) + "]\n";
  }
  auto doc = ParseYaml(chain, "chain.yml");
  REQUIRE_FALSE(doc);
  CHECK(doc.error().message == "YAML nests deeper than 1000 levels");
}

}  // namespace tend
