#include "controller/lab/lab_registry.h"

#include <doctest/doctest.h>

namespace tend::lab {

TEST_CASE("lab names") {
  for (const char* ok : {"default", "labtest", "ci-42", "a_b", "9"}) {
    CAPTURE(ok);
    CHECK(ValidateLabName(ok));
  }
  for (const char* bad : {"", "Upper", "-x", "a b", "../x", "a/b", "aaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    CAPTURE(bad);
    CHECK_FALSE(ValidateLabName(bad));
  }
  CHECK(ValidateLabName("a/b").error().message ==
        "invalid lab name 'a/b': use 1 to 24 lower-case letters, digits, '-' or '_', starting with "
        "a letter or digit");
}

TEST_CASE("host names: node1..nodeN for -n, else as given") {
  using Names = std::vector<std::string>;
  CHECK(PlanHostNames(3, {}).value() == Names{"node1", "node2", "node3"});
  Names roles = {"training-node", "tracking-node", "serving-node"};
  CHECK(PlanHostNames(0, roles).value() == roles);
  struct Case {
    int count;
    Names names;
    const char* error;
  };
  Case cases[] = {
      {0, {}, "give the hosts with -n N or --hosts a,b,c"},
      {2, {"a"}, "give either -n or --hosts, not both"},
      {-1, {}, "-n must be between 1 and 244, got -1"},
      {245, {}, "-n must be between 1 and 244, got 245"},
      {0, {"a", "a"}, "host 'a' is given twice"},
      {0,
       {"Web"},
       "invalid host name 'Web': use 1 to 32 lower-case letters, digits or '-', starting with a "
       "letter"},
      {0,
       {"1st"},
       "invalid host name '1st': use 1 to 32 lower-case letters, digits or '-', starting with a "
       "letter"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.error);
    auto r = PlanHostNames(c.count, c.names);
    REQUIRE_FALSE(r);
    CHECK(r.error().message == c.error);
  }
}

TEST_CASE("a running lab may grow, never change") {
  using Names = std::vector<std::string>;
  struct Case {
    Names existing;
    Names wanted;
    bool ok;
  };
  Case cases[] = {
      {{"node1", "node2"}, {"node1", "node2"}, true},
      {{"node1", "node2"}, {"node1", "node2", "node3"}, true},
      {{"node1", "node2"}, {"node1"}, false},
      {{"node1", "node2"}, {"node2", "node1"}, false},
      {{"a"}, {"b", "a"}, false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.wanted.size());
    CHECK(GrowsFrom(c.existing, c.wanted) == c.ok);
  }
}

TEST_CASE("address blocks: default lab on 127.0.0.x, others never overlap") {
  struct Case {
    const char* lab;
    BlockTable taken;
    int block;
  };
  Case cases[] = {
      {"default", {}, 0},
      {"default", {{"a", 1}}, 0},
      {"a", {}, 1},
      {"a", {{"default", 0}}, 1},
      {"b", {{"default", 0}, {"a", 1}}, 2},
      {"c", {{"a", 1}, {"b", 3}}, 2},
      {"b", {{"a", 1}, {"b", 7}}, 7},  // a lab keeps its block
  };
  for (const auto& c : cases) {
    CAPTURE(c.lab);
    CHECK(AllocateBlock(c.lab, c.taken).value() == c.block);
  }
  BlockTable full;
  for (int i = 1; i <= 255; ++i) full["lab" + std::to_string(i)] = i;
  CHECK(AllocateBlock("one-more", full).error().message ==
        "no free address block for lab 'one-more': 255 labs exist; take one down with 'tend lab "
        "down --name NAME'");
  CHECK(HostAddress(0, 0) == "127.0.0.11");
  CHECK(HostAddress(0, 9) == "127.0.0.20");
  CHECK(HostAddress(3, 243) == "127.0.3.254");
}

TEST_CASE("the registry round-trips and tolerates a damaged file") {
  BlockTable table = {{"default", 0}, {"labtest", 1}};
  CHECK(ParseRegistry(RenderRegistry(table)) == table);
  CHECK(ParseRegistry("").empty());
  CHECK(ParseRegistry("{not json").empty());
  CHECK(ParseRegistry(R"({"labs": {"a": 2, "b": "x"}})") == BlockTable{{"a", 2}});
}

}  // namespace tend::lab
