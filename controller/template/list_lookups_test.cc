#include "controller/template/list_lookups.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tend {
namespace {

// A query through the registered table, as `with_<name>` loops make it.
Expected<Json> Query(const std::string& name, const Json& terms) {
  JsonScope scope(Json::object());
  Templar templar(scope);
  return RunQuery(templar, name, terms);
}

// Items as the lookup returns them, or "error: <message>".
std::string Outcome(const Expected<Json>& result) {
  return result ? result->dump() : "error: " + result.error().message;
}

struct Case {
  std::string terms;     // JSON
  std::string expected;  // JSON items or "error: ..."
};

void CheckTable(const std::string& lookup, const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    CAPTURE(c.terms);
    CHECK(Outcome(Query(lookup, Json::parse(c.terms))) == c.expected);
  }
}

TEST_CASE("sequence: shortcut and key=value forms, hex and octal, Ansible's errors") {
  CheckTable("sequence", {
      {R"(["5"])", R"(["1","2","3","4","5"])"},
      {R"(["5-8"])", R"(["5","6","7","8"])"},
      {R"(["1-10/2"])", R"(["1","3","5","7","9"])"},
      {R"(["2-10/2"])", R"(["2","4","6","8","10"])"},
      {R"(["4:host%02d"])", R"(["host01","host02","host03","host04"])"},
      {R"(["0x0a-0x0c"])", R"(["10","11","12"])"},
      {R"(["010-012"])", R"(["8","9","10"])"},
      {R"(["start=010 end=012"])", R"(["8","9","10"])"},
      {R"(["start=5 end=11 stride=2 format=0x%02x"])", R"(["0x05","0x07","0x09","0x0b"])"},
      {R"(["count=5"])", R"(["1","2","3","4","5"])"},
      {R"(["start=0x0f00 count=4 format=%04x"])", R"(["0f00","0f01","0f02","0f03"])"},
      {R"(["start=0 count=5 stride=2"])", R"(["0","2","4","6","8"])"},
      {R"(["start=1 count=5 stride=2"])", R"(["1","3","5","7","9"])"},
      {R"(["start=10 end=0 stride=-2"])", R"(["10","8","6","4","2","0"])"},
      {R"(["count=0"])", "[]"},
      {R"(["start=1 end=3 stride=0"])", "[]"},
      {R"(["1-2", "5"])", R"(["1","2","1","2","3","4","5"])"},
      {R"(["start=3"])", "error: must specify count or end in with_sequence"},
      {R"(["end=3 count=2"])", "error: can't specify both count and end in with_sequence"},
      {R"(["start=5 end=1"])", "error: to count backwards make stride negative"},
      {R"(["start=1 end=5 stride=-1"])", "error: to count forward don't make stride negative"},
      {R"(["end=3 format=%d-%d"])", "error: bad formatting string: %d-%d"},
      {R"(["end=3 step=1"])", "error: unrecognized arguments to with_sequence: ['step']"},
      {R"(["end=x1"])", "error: can't parse end=x1 as integer"},
  });
}

TEST_CASE("sequence: keyword arguments stand in for the term") {
  JsonScope scope(Json::object());
  Templar templar(scope);
  auto r = templar.RenderValue(Json("{{ query('sequence', start=2, end=8, stride=3) }}"), "t");
  REQUIRE(r.has_value());
  CHECK(r->dump() == R"(["2","5","8"])");
}

TEST_CASE("subelements: dotted subkeys, skip_missing, the list taken out of the item") {
  CheckTable("subelements", {
      {R"([[{"n":"a","k":[1,2]},{"n":"b","k":[3]}], "k"])",
       R"([[{"n":"a"},1],[{"n":"a"},2],[{"n":"b"},3]])"},
      {R"([[{"n":"a","auth":{"keys":[1],"x":1}}], "auth.keys"])",
       R"([[{"n":"a","auth":{"x":1}},1]])"},
      {R"([{"one":{"n":1,"l":[7]}}, "l"])", R"([[{"n":1},7]])"},
      {R"([{"skipped":true,"results":[]}, "l"])", "[]"},
      {R"([[{"skipped":true,"l":[1]},{"l":[2]}], "l"])", R"([[{},2]])"},
      {R"([[{"n":"a"},{"n":"b","k":[1]}], "k", {"skip_missing":true}])", R"([[{"n":"b"},1]])"},
      {R"([[{"n":"a","auth":{}}], "auth.keys", {"skip_missing":true}])", "[]"},
      {R"([[{"n":"a"}], "k"])", "error: could not find 'k' key in iterated item '{'n': 'a'}'"},
      {R"([[{"n":"a","auth":{}}], "auth.keys"])",
       "error: could not find 'keys' key in iterated item '{}'"},
      {R"([[{"k":"x"}], "k"])", "error: the key k should point to a list, got 'x'"},
      {R"([[{"a":1}], "a.b"])", "error: the key a should point to a dictionary, got '1'"},
      {R"([["x"], "k"])", "error: subelements lookup expects a dictionary, got 'x'"},
      {R"([[]])", "error: subelements lookup expects a list of two or three items, "},
      {R"(["x", "k"])", "error: subelements lookup expects a dictionary, got 'x'"},
      {R"([9001, "k"])", "error: subelements lookup expects a dictionary, got '9001'"},
      {R"([[{"k":[1]}], "k", "wolves"])",
       "error: subelements lookup expects a list of two or three items, the optional third item "
       "must be a dict with flags ('skip_missing',)"},
      {R"([[{"k":[1]}], 5])",
       "error: subelements lookup expects a list of two or three items, first a dict or a list, "
       "second a string pointing to the subkey"},
  });
}

TEST_CASE("items flattens one level, flattened every level; indexed_items numbers them") {
  CheckTable("items", {{R"([[1,[2]],3])", "[1,[2],3]"}, {R"(["a"])", R"(["a"])"}});
  CheckTable("flattened", {{R"([[1,[2,[3]]],4])", "[1,2,3,4]"}, {"[]", "[]"}});
  CheckTable("indexed_items", {{R"(["a",["b","c"]])", R"([[0,"a"],[1,"b"],[2,"c"]])"}});
  CheckTable("dict", {{R"([{"a":1}])", R"([{"key":"a","value":1}])"},
                      {R"([[1]])", "error: with_dict expects a dict"}});
  CheckTable("together", {{R"([[1,2],["a"]])", R"([[1,"a"],[2,null]])"},
                          {"[]", "error: with_together requires at least one element in each list"}});
  CheckTable("nested", {{R"([[1,2],["a"]])", R"([[1,"a"],[2,"a"]])"}, {"[]", "[]"}});
}

// `with_<name>: {a: 1}` gives the lookup the mapping itself: most take it as
// their one term, items its keys, indexed_items and list refuse it, as Ansible's do.
TEST_CASE("a mapping as a with_ loop's terms") {
  CheckTable("dict", {{R"({"a":1})", R"([{"key":"a","value":1}])"}});
  CheckTable("indexed_items", {{R"({"a":1})", "error: with_indexed_items expects a list"}});
  CheckTable("list", {{R"({"a":1})", "error: with_list expects a list"}, {R"([{"a":1}])", R"([{"a":1}])"}});
  CheckTable("items", {{R"({"a":1,"b":2})", R"(["a","b"])"}});
}

}  // namespace
}  // namespace tend
