#include "core/utf8.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tend {

TEST_CASE("UTF-8: code points encode to Python's bytes and decode back") {
  struct Case {
    uint32_t cp;
    std::string bytes;  // "\N{...}".encode("utf-8", "surrogatepass") in python3
  };
  const std::vector<Case> cases = {
      {0x41, "A"},
      {0xE9, "\xc3\xa9"},
      {0x7FF, "\xdf\xbf"},
      {0x800, "\xe0\xa0\x80"},
      {0x2603, "\xe2\x98\x83"},
      {0xFFFF, "\xef\xbf\xbf"},
      {0x1F600, "\xf0\x9f\x98\x80"},
      {0x10FFFF, "\xf4\x8f\xbf\xbf"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.cp);
    std::string out;
    AppendUtf8(out, c.cp);
    CHECK(out == c.bytes);
    size_t at = 0;
    CHECK(NextCodePoint(c.bytes, at) == c.cp);
    CHECK(at == c.bytes.size());
  }
}

TEST_CASE("UTF-8: a byte outside a well-formed sequence decodes alone as surrogateescape does") {
  const std::vector<std::string> malformed = {
      "\xff", "\x80", "\xc3", "\xc0\x80" /* overlong */, "\xe2\x28\xa1", "\xf4\x90\x80\x80" /* > U+10FFFF */,
  };
  for (const auto& bytes : malformed) {
    size_t at = 0;
    CHECK(NextCodePoint(bytes, at) == 0xDC00 + static_cast<unsigned char>(bytes[0]));
    CHECK(at == 1);
  }
}

TEST_CASE("UTF-8: Python's whitespace, as Jinja2's lexer skips it between tokens") {
  CHECK(PythonSpaceLength("\xc2\xa0|", 0) == 2);      // no-break space
  CHECK(PythonSpaceLength("\xe3\x80\x80", 0) == 3);  // ideographic space
  CHECK(PythonSpaceLength("\t", 0) == 1);
  CHECK(PythonSpaceLength("\xc3\xa9", 0) == 0);       // e acute is a letter
  CHECK(PythonSpaceLength("x", 0) == 0);
  CHECK(PythonSpaceLength("", 0) == 0);
  CHECK(IsPythonSpace(0x1f));
  CHECK_FALSE(IsPythonSpace(0x200b));  // zero-width space is not whitespace to Python
}

TEST_CASE("FindInvalidUtf8 points at the first stray byte") {
  CHECK(!FindInvalidUtf8("plain ascii and caf\xc3\xa9"));
  CHECK(FindInvalidUtf8("sho\x89uld") == 3u);
  CHECK(FindInvalidUtf8("\xc3") == 0u);  // truncated sequence
}

}  // namespace tend
