#include "controller/connection/fact_cache.h"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

namespace tend {

TEST_CASE("fact cache: write, read, expire") {
  std::string dir = "/tmp/tend-connection-test-cache";
  std::filesystem::remove_all(dir);
  CHECK(!ReadCachedFacts(dir, "h1", 60));
  Json facts{{"ansible_distribution", "Debian"}};
  REQUIRE(WriteCachedFacts(dir, "h1", facts));
  CHECK(ReadCachedFacts(dir, "h1", 60) == facts);
  std::filesystem::last_write_time(
      dir + "/h1", std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  CHECK(!ReadCachedFacts(dir, "h1", 3600));
  CHECK(ReadCachedFacts(dir, "h1", 0) == facts);
}

}  // namespace tend
