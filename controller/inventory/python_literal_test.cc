#include "controller/inventory/python_literal.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("INI values resolve like ast.literal_eval") {
  struct Case {
    const char* text;
    Json want;  // null Json with `raw` = keep the text
    bool raw;
  };
  const Case cases[] = {
      {"42", 42, false},
      {"-7", -7, false},
      {"0x1f", 31, false},
      {"1_000", 1000, false},
      {"0.5", 0.5, false},
      {"1e3", 1000.0, false},
      {"True", true, false},
      {"None", nullptr, false},
      {"'quoted'", "quoted", false},
      {"\"42\"", "42", false},
      {"[1, 'two']", Json::array({1, "two"}), false},
      {"(1,)", Json::array({1}), false},
      {"{'a': 1, \"b\": [True, None]}", Json{{"a", 1}, {"b", Json::array({true, nullptr})}}, false},
      {"1 # comment", 1, false},
      {"'a' 'b'", "ab", false},
      {"yes", {}, true},
      {"0755", {}, true},
      {"true", {}, true},
      {"proxy.example.com # c", {}, true},
      {"", {}, true},
      {"{1, 2}", {}, true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto got = PythonLiteral(c.text);
    if (c.raw) {
      CHECK(!got);
    } else {
      REQUIRE(got);
      CHECK(*got == c.want);
    }
  }
}

TEST_CASE("shlex splitting of INI host lines") {
  CHECK(ShlexSplitIni("h1 a=1 b=\"x y\" 'c'=z # note").value() ==
        std::vector<std::string>{"h1", "a=1", "b=x y", "c=z"});
  CHECK(ShlexSplitIni("h a=b#c").value() == std::vector<std::string>{"h", "a=b"});
  CHECK(ShlexSplitIni("h a=\"q\\\"x\"").value() == std::vector<std::string>{"h", "a=q\"x"});
  CHECK(ShlexSplitIni("h a='open").error().message == "No closing quotation");
}

TEST_CASE("host ranges expand like Ansible's") {
  CHECK(ExpandHostRanges("web[01:03].x").value() ==
        std::vector<std::string>{"web01.x", "web02.x", "web03.x"});
  CHECK(ExpandHostRanges("db-[a:c]").value() == std::vector<std::string>{"db-a", "db-b", "db-c"});
  CHECK(ExpandHostRanges("n[1:5:2]").value() == std::vector<std::string>{"n1", "n3", "n5"});
  CHECK(ExpandHostRanges("r[1:2]c[a:b]").value() ==
        std::vector<std::string>{"r1ca", "r1cb", "r2ca", "r2cb"});
  CHECK(ExpandHostRanges("x[01:100]").error().message ==
        "host range must specify equal-length begin and end formats");
  CHECK(ExpandHostRanges("plain").value() == std::vector<std::string>{"plain"});
}

TEST_CASE("host:port splitting") {
  CHECK(SplitHostPort("alpha:2200") == std::pair<std::string, int>{"alpha", 2200});
  CHECK(SplitHostPort("[fe80::1]:2222") == std::pair<std::string, int>{"fe80::1", 2222});
  CHECK(SplitHostPort("::2") == std::pair<std::string, int>{"::2", 0});
  CHECK(SplitHostPort("web[1:3]") == std::pair<std::string, int>{"web[1:3]", 0});
}

}  // namespace
}  // namespace tend
