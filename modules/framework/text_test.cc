#include "modules/framework/text.h"

#include <doctest/doctest.h>

#include "modules/framework/lines.h"

namespace tend {

TEST_CASE("ShlexSplit follows shlex.split") {
  struct Case {
    const char* in;
    std::vector<std::string> out;
  };
  for (const auto& c : std::vector<Case>{
           {"ls -l", {"ls", "-l"}},
           {R"(echo "a b" 'c d')", {"echo", "a b", "c d"}},
           {R"(echo a\ b "x\"y" 'p\q')", {"echo", "a b", "x\"y", "p\\q"}},
           {R"(a"b c"d)", {"ab cd"}},
           {"  ", {}},
       }) {
    auto got = ShlexSplit(c.in);
    REQUIRE(got.has_value());
    CHECK_MESSAGE(*got == c.out, c.in);
  }
  CHECK(ShlexSplit("echo 'x").error().message == "No closing quotation");
}

TEST_CASE("SplitKeepEnds keeps each line's own ending") {
  CHECK(SplitKeepEnds("a\r\nb\nc") == std::vector<std::string>{"a\r\n", "b\n", "c"});
  CHECK(SplitKeepEnds("x\n\n") == std::vector<std::string>{"x\n", "\n"});
  CHECK(SplitKeepEnds("").empty());
}

TEST_CASE("SplitLines and timestamps look like Python's") {
  CHECK(SplitLines("a\nb\r\nc\n").dump() == R"(["a","b","c"])");
  CHECK(SplitLines("").dump() == "[]");
  CHECK(FormatDelta(3723004005) == "1:02:03.004005");
  CHECK(ShellQuote("a b'c") == "'a b'\"'\"'c'");
  CHECK(ShellQuote("/usr/bin") == "/usr/bin");
  CHECK(DirName("/etc/x") == "/etc");
  CHECK(DirName("/x") == "/");
  CHECK(JoinPath("/etc/", "x") == "/etc/x");
}

}  // namespace tend
