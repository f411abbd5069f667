#include "controller/yaml/yaml_dump.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("to_nice_yaml style: block collections, sorted keys, quoted ambiguous scalars") {
  Json v = Json::parse(R"({"b": [1, "yes", {"x": null}], "a": "text", "c": {}})");
  YamlDumpOptions nice;
  nice.indent = 4;
  nice.default_flow_style = false;
  CHECK(DumpYaml(v, nice) == "a: text\nb:\n- 1\n- 'yes'\n-   x: null\nc: {}\n");
}

TEST_CASE("to_yaml style: innermost collections inline") {
  Json v = Json::parse(R"({"a": [1, 2], "b": {"c": "d"}})");
  CHECK(DumpYaml(v) == "a: [1, 2]\nb: {c: d}\n");
  CHECK(DumpYaml(Json("x")) == "x\n...\n");
}

}  // namespace tend
