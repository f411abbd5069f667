#include "controller/records/fact_filter.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

const Json kFacts = {{"ansible_distribution", "Debian"},
                     {"ansible_distribution_version", "11.9"},
                     {"ansible_processor_vcpus", 4},
                     {"ansible_default_ipv4", {{"address", "10.0.0.3"}}}};

TEST_CASE("--where comparisons against facts") {
  struct Case {
    std::string where;
    bool matches;
  };
  const Case cases[] = {
      {R"(ansible_distribution_version < "12")", true},   // 11.9 < 12 as versions, not text
      {R"(ansible_distribution_version >= "11.10")", false},
      {R"(ansible_distribution == "Debian")", true},
      {R"(ansible_distribution != 'Debian')", false},
      {"distribution == Debian", true},  // the ansible_ prefix may be left off
      {"ansible_processor_vcpus > 2", true},
      {"ansible_processor_vcpus <= 2", false},
      {R"(ansible_default_ipv4.address == "10.0.0.3")", true},
      {"ansible_docker_version == 20", false},  // a missing fact matches only !=
      {"ansible_docker_version != 20", true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.where);
    auto f = ParseFactFilter(c.where);
    REQUIRE(f);
    CHECK(Matches(*f, kFacts) == c.matches);
  }
}

TEST_CASE("--where syntax errors point at the place") {
  struct Case {
    std::string where, error;
  };
  const Case cases[] = {
      {"ansible_os_family ~ Debian",
       "--where: expected one of == != < <= > >=\n    ansible_os_family ~ Debian\n"
       "                      ^"},
      {"ansible_os_family == 'Debian", "--where: unterminated quote\n"
                                       "    ansible_os_family == 'Debian\n"
                                       "                         ^"},
      {"== 1", "--where: expected a fact name\n    == 1\n    ^"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.where);
    auto f = ParseFactFilter(c.where);
    REQUIRE_FALSE(f);
    CHECK(f.error().ToString() == c.error);
  }
}

}  // namespace
}  // namespace tend
