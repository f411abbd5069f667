#include <doctest/doctest.h>

#include "modules/system/facts.h"

namespace tend {
namespace {

std::set<std::string> Resolve(const std::vector<std::string>& subset) {
  auto r = ResolveGatherSubset(subset);
  REQUIRE(r.has_value());
  return *r;
}

}  // namespace

TEST_CASE("gather_subset selects Ansible's collectors") {
  auto all = Resolve({"all"});
  CHECK(all.size() == FactCollectors().size());
  CHECK(Resolve({}) == all);
  // Exclusions alone leave min (Ansible adds "all" only to an empty list);
  // with all, !hardware drops the collector under all of its names.
  CHECK(Resolve({"!hardware"}) == MinimalGatherSubset());
  auto no_hw = Resolve({"all", "!hardware"});
  CHECK_FALSE(no_hw.contains("hardware"));
  CHECK(no_hw.contains("network"));
  CHECK(Resolve({"all", "!processor"}).contains("hardware"));  // one alias left out keeps the rest
  auto min = Resolve({"!all"});
  CHECK(min == MinimalGatherSubset());
  // A positive name means min plus that collector and what it requires.
  auto network = Resolve({"network"});
  CHECK(network.contains("network"));
  CHECK(network.contains("python"));
  CHECK_FALSE(network.contains("hardware"));
  auto only = Resolve({"!all", "!min", "network"});
  CHECK(only == std::set<std::string>{"network", "distribution", "platform"});
  CHECK(Resolve({"!all", "!min"}).empty());
  CHECK(Resolve({"!all", "!min", "devices"}) == std::set<std::string>{"hardware", "platform"});
  // An explicit name survives its own exclusion.
  CHECK(Resolve({"!virtual", "virtual"}).contains("virtual"));
}

TEST_CASE("an unknown gather_subset name fails as Ansible's does") {
  auto r = ResolveGatherSubset({"hardwar"});
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().message.starts_with("Bad subset 'hardwar' given to Ansible. gather_subset options allowed: all, "));
  CHECK(ResolveGatherSubset({"!hardwar"}).has_value());  // excluding an unknown name is ignored
}

TEST_CASE("ShapeFacts returns only the facts of the selected collectors") {
  FactSources s;
  s.nodename = "n1";
  Json f = ShapeFacts(s, *ResolveGatherSubset({"!all", "!min", "date_time"}));
  CHECK(f.contains("ansible_date_time"));
  CHECK_FALSE(f.contains("ansible_hostname"));
}

}  // namespace tend
