#include "controller/pymodule/payload.h"

#include <doctest/doctest.h>

#include <cstdint>

namespace tend {
namespace {

uint32_t Read32(const std::string& s, size_t at) {
  return static_cast<uint8_t>(s[at]) | static_cast<uint8_t>(s[at + 1]) << 8 |
         static_cast<uint8_t>(s[at + 2]) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3])) << 24;
}

TEST_CASE("BuildPayload: deterministic stored zip with __main__.py, entries sorted") {
  std::vector<PayloadFile> files{{"b.py", "B"}, {"a/__init__.py", ""}};
  std::string zip = BuildPayload("ansible.modules.m", files);
  CHECK(zip == BuildPayload("ansible.modules.m", {files[1], files[0]}));
  CHECK(Read32(zip, 0) == 0x04034b50U);
  // The end record: 3 entries, the central directory where it says.
  size_t end = zip.size() - 22;
  CHECK(Read32(zip, end) == 0x06054b50U);
  CHECK((Read32(zip, end + 8) & 0xffff) == 3);
  CHECK(Read32(zip, Read32(zip, end + 16)) == 0x02014b50U);
  size_t main_at = zip.find("__main__.py");
  REQUIRE(main_at != std::string::npos);
  CHECK(main_at < zip.find("a/__init__.py"));  // byte order: '_' sorts before 'a'
  CHECK(zip.find("a/__init__.py") < zip.find("b.py"));
  CHECK(zip.find("runpy.run_module(mod_name='ansible.modules.m'") != std::string::npos);
}

TEST_CASE("ZipArchive: CRC-32 of each entry as zip records it") {
  std::string zip = ZipArchive({{"x", "123456789"}});
  CHECK(Read32(zip, 14) == 0xCBF43926U);  // the standard check value
}

}  // namespace
}  // namespace tend
