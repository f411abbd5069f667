#include "modules/python/module_output.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("FilterNonJsonLines: the object between leading noise and trailing junk") {
  struct Case {
    const char* out;
    const char* json;
    size_t noise;
  };
  const Case cases[] = {
      {"{\"a\": 1}\n", "{\"a\": 1}\n", 0},
      {"motd line\n{\"a\": 1}\n", "{\"a\": 1}\n", 0},
      {"{\"a\":\n 1}\nbye\n", "{\"a\":\n 1}\n", 1},
      {"{\"a\": 1}  \r\n\n", "{\"a\": 1}  \r\n", 0},
      {"no json here\n", "", 0},
      {"[1, 2]\n", "", 0},
      {"{ never closed\n", "", 0},
  };
  for (const auto& c : cases) {
    std::vector<std::string> noise;
    CHECK_MESSAGE(FilterNonJsonLines(c.out, noise) == c.json, c.out);
    CHECK_MESSAGE(noise.size() == c.noise, c.out);
  }
}

TEST_CASE("ParseModuleOutput: the module's JSON, junk as a warning") {
  Json r = ParseModuleOutput(0, "{\"changed\": true, \"warnings\": [\"w1\"]}\nextra\n", "", "/usr/bin/python3");
  CHECK(r["changed"] == true);
  CHECK(r["warnings"] == Json::array({"w1", "Module invocation had junk after the JSON data: extra\n"}));
}

TEST_CASE("ParseModuleOutput: no JSON is Ansible's MODULE FAILURE with rc, stdout and stderr") {
  Json r = ParseModuleOutput(1, "", "Traceback (most recent call last):\nboom\n", "/usr/bin/python3");
  CHECK(r["failed"] == true);
  CHECK(r["msg"] == "MODULE FAILURE\nSee stdout/stderr for the exact error");
  CHECK(r["rc"] == 1);
  CHECK(r["module_stdout"] == "");
  CHECK(r["module_stderr"] == "Traceback (most recent call last):\nboom\n");
  CHECK(r["exception"] == r["module_stderr"]);

  Json missing = ParseModuleOutput(127, "", "sh: 1: /opt/py: No such file or directory\n", "/opt/py");
  CHECK(missing["msg"] ==
        "The module failed to execute correctly, you probably need to set the interpreter.\n"
        "See stdout/stderr for the exact error");
  CHECK_FALSE(missing.contains("exception"));
}

}  // namespace
}  // namespace tend
