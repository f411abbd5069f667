#include "core/strings.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tend {

// Expected values are Python's str.strip/lstrip/rstrip and str.join.
TEST_CASE("Trim, TrimLeft and TrimRight strip as Python's strip, lstrip and rstrip") {
  struct Case {
    std::string_view text;
    std::string_view chars;
    std::string_view both, left, right;
  };
  const std::vector<Case> cases = {
      {" \t a b \r\n", kWhitespace, "a b", "a b \r\n", " \t a b"},
      {"", kWhitespace, "", "", ""},
      {" \v\f ", kWhitespace, "", "", ""},
      {"xxhixx", "x", "hi", "hixx", "xxhi"},
      {"ab;; \n", " ;\n", "ab", "ab;; \n", "ab"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(Trim(c.text, c.chars) == c.both);
    CHECK(TrimLeft(c.text, c.chars) == c.left);
    CHECK(TrimRight(c.text, c.chars) == c.right);
  }
}

TEST_CASE("Join puts the separator between each two items, as str.join") {
  struct Case {
    std::vector<std::string> items;
    std::string_view separator;
    std::string joined;
  };
  const std::vector<Case> cases = {
      {{}, ",", ""},
      {{"a"}, ",", "a"},
      {{"a", "", "b"}, ", ", "a, , b"},
      {{"x\n", "y\n"}, "", "x\ny\n"},
  };
  for (const auto& c : cases) CHECK(Join(c.items, c.separator) == c.joined);
}

}  // namespace tend
