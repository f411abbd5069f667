#include "core/regex.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tend {
namespace {

std::vector<std::string> FindAllText(std::string_view pattern, std::string_view subject) {
  auto re = Regex::Compile(pattern);
  REQUIRE(re);
  auto all = re->FindAll(subject);
  REQUIRE(all);
  std::vector<std::string> out;
  for (const auto& m : *all) out.emplace_back(m.GroupOrEmpty(0));
  return out;
}

std::string Sub(std::string_view pattern, std::string_view templ, std::string_view subject,
                RegexFlags flags = {}) {
  auto re = Regex::Compile(pattern, flags);
  REQUIRE(re);
  auto out = re->Replace(subject, templ);
  REQUIRE(out);
  return *out;
}

}  // namespace

// Expected values are Python 3.11's re.sub.
TEST_CASE("Replace follows re.sub: groups, named groups, empty matches, escapes") {
  struct Case {
    std::string_view pattern, templ, subject, expected;
  };
  const std::vector<Case> cases = {
      {"x*", "-", "abxd", "-a-b--d-"},
      {R"((\w+)@(\w+))", R"(\2 at \1)", "me@host", "host at me"},
      {R"((?P<user>\w+)@(?P<host>\w+))", R"(\g<host>/\g<user>/\g<0>)", "me@h", "h/me/me@h"},
      {"a(b)?", R"([\1])", "a ab", "[] [b]"},
      {"^", ">", "l1\nl2", ">l1\nl2"},
      {"$", "!", "l1\n", "l1!\n!"},
      {R"(\Z)", "!", "l1\n", "l1\n!"},
      {R"(\u00e9)", "e", "caf\xc3\xa9", "cafe"},
      {"o", R"(\n)", "foo", "f\n\n"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.pattern);
    CHECK(Sub(c.pattern, c.templ, c.subject) == c.expected);
  }
  CHECK(Sub("^l", "L", "l1\nl2", {.multiline = true}) == "L1\nL2");
  CHECK(Sub("L", "x", "l1", {.ignorecase = true}) == "x1");
}

TEST_CASE("FindAll iterates as re.finditer") {
  CHECK(FindAllText(R"(\d+)", "a1 b22 c333") == std::vector<std::string>{"1", "22", "333"});
  CHECK(FindAllText("", "ab") == std::vector<std::string>{"", "", ""});
  CHECK(FindAllText(".", "\xc3\xa9x") == std::vector<std::string>{"\xc3\xa9", "x"});
}

TEST_CASE("Search, MatchAt and FullMatch anchor as re.search, re.match and re.fullmatch") {
  auto re = Regex::Compile("b+");
  REQUIRE(re);
  CHECK(re->Search("abb")->has_value());
  CHECK_FALSE(re->MatchAt("abb")->has_value());
  CHECK(re->MatchAt("abb", 1)->has_value());
  CHECK_FALSE(re->FullMatch("abbc")->has_value());
  CHECK(re->FullMatch("bb")->has_value());
  auto groups = Regex::Compile(R"((a)|(b))");
  REQUIRE(groups);
  auto m = groups->Search("b");
  REQUIRE(m);
  REQUIRE(m->has_value());
  CHECK_FALSE((*m)->Group(1).has_value());
  CHECK((*m)->Group(2) == "b");
  CHECK((*m)->GroupNames().empty());
}

TEST_CASE("GroupNames lists the named groups with their numbers in pattern order, as groupdict") {
  auto re = Regex::Compile(R"((?P<word>\w+) (\d+) (?P<any>x)?)");
  REQUIRE(re);
  auto m = re->Search("completed data 42 ");
  REQUIRE(m);
  REQUIRE(m->has_value());
  auto names = (*m)->GroupNames();
  REQUIRE(names.size() == 2);
  CHECK(names[0] == std::pair<std::string, size_t>{"word", 1});
  CHECK(names[1] == std::pair<std::string, size_t>{"any", 3});
  CHECK((*m)->Group(1) == "data");
  CHECK_FALSE((*m)->Group(3).has_value());
}

TEST_CASE("A bad pattern or template is an error naming it") {
  auto bad = Regex::Compile("a(b");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.starts_with("invalid regular expression 'a(b': missing closing parenthesis"));
  auto re = Regex::Compile("(a)");
  REQUIRE(re);
  CHECK(re->Replace("a", R"(\2)").error().message == "invalid group reference 2");
  CHECK(re->Replace("a", R"(\g<nope>)").error().message == "unknown group name 'nope'");
  CHECK(re->Replace("a", R"(\q)").error().message == "bad escape \\q");
}

// issue 21: std::regex recursed per character and crashed on ~30 KB.
TEST_CASE("Large subjects match without recursion; catastrophic backtracking hits the limit") {
  std::string big(100 * 1024, 'a');
  auto re = Regex::Compile("(a|b)*c?$");
  REQUIRE(re);
  auto m = re->Search(big);
  REQUIRE(m);
  REQUIRE(m->has_value());
  CHECK((*m)->End() == big.size());
  CHECK(Sub("a", "b", big) == std::string(big.size(), 'b'));

  auto evil = Regex::Compile("(a+)+$");
  REQUIRE(evil);
  auto slow = evil->Search(std::string(64, 'a') + "!");
  REQUIRE_FALSE(slow);
  CHECK(slow.error().message.find("match limit exceeded") != std::string::npos);
}

TEST_CASE("Invalid UTF-8 in the subject is matched byte-wise, not refused") {
  auto re = Regex::Compile("x");
  REQUIRE(re);
  CHECK(re->Contains("\xff\xfe x"));
}

// Expected values are Python 3.11's re.escape.
TEST_CASE("RegexEscape escapes what re.escape escapes") {
  CHECK(RegexEscape("a.b*c d-e_f") == R"(a\.b\*c\ d\-e_f)");
  CHECK(RegexEscape("caf\xc3\xa9/1") == "caf\xc3\xa9/1");
}

}  // namespace tend
