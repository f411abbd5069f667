#include "controller/playbook/reporter.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("banners are 80 columns with at least three stars") {
  CHECK(Banner("PLAY RECAP") ==
        "\nPLAY RECAP *********************************************************************");
  CHECK(Banner("PLAY RECAP").size() == 81);
  std::string long_name(90, 'x');
  CHECK(Banner(long_name) == "\n" + long_name + " ***");
}

TEST_CASE("recap lines") {
  HostStats s{19, 11, 0, 0, 4, 1, 2};
  CHECK(RecapLine("h1", s, false) ==
        "h1                         : ok=19   changed=11   unreachable=0    failed=0    "
        "skipped=4    rescued=1    ignored=2   ");
  CHECK(RecapLine("h1", HostStats{1, 0, 0, 0, 0, 0, 0}, true) ==
        "\033[0;32mh1\033[0m" + std::string(24, ' ') +
            " : \033[0;32mok=1   \033[0m changed=0    "
            "unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ");
}

TEST_CASE("Python-style JSON and repr") {
  struct Case {
    Json value;
    std::string json;
    std::string repr;
  };
  const Case cases[] = {
      {Json{{"msg", "x"}, {"changed", false}}, R"({"changed": false, "msg": "x"})",
       "{'msg': 'x', 'changed': False}"},
      {Json::array({1, "a", nullptr, 1.5}), R"([1, "a", null, 1.5])", "[1, 'a', None, 1.5]"},
      {Json("it's"), R"("it's")", "\"it's\""},
      {Json::object(), "{}", "{}"},
      {Json("é\n"), "\"é\\n\"", "'é\\n'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.json);
    CHECK(PyJson(c.value) == c.json);
    CHECK(PythonRepr(c.value) == c.repr);
  }
  CHECK(PyJson(Json{{"a", Json::array({1})}}, 4) == "{\n    \"a\": [\n        1\n    ]\n}");
  CHECK(ItemLabel(Json("foo")) == "foo");
  CHECK(ItemLabel(Json{{"name", "x"}}) == "{'name': 'x'}");
}

TEST_CASE("result lines") {
  Task debug;
  debug.action = "debug";
  Task cmd;
  cmd.action = "command";
  struct Case {
    HostResult result;
    int verbosity;
    std::string expected;
  };
  auto make = [](const Task* t, ResultStatus s, Json r, bool item = false, std::string label = "",
                 std::string delegated = "") {
    HostResult h;
    h.host = "h1";
    h.task = t;
    h.status = s;
    h.result = std::move(r);
    h.is_item = item;
    h.item_label = std::move(label);
    h.delegated_to = std::move(delegated);
    return h;
  };
  const Case cases[] = {
      {make(&cmd, ResultStatus::kOk, {{"changed", false}}), 0, "ok: [h1]"},
      {make(&cmd, ResultStatus::kChanged, {{"changed", true}}), 0, "changed: [h1]"},
      {make(&cmd, ResultStatus::kChanged, {{"changed", true}, {"rc", 0}}), 1,
       "changed: [h1] => {\"changed\": true, \"rc\": 0}"},
      {make(&cmd, ResultStatus::kSkipped, {{"skipped", true}}), 0, "skipping: [h1]"},
      {make(&cmd, ResultStatus::kFailed, {{"changed", false}, {"msg", "no"}}), 0,
       "fatal: [h1]: FAILED! => {\"changed\": false, \"msg\": \"no\"}"},
      {make(&cmd, ResultStatus::kFailed, {{"msg", "no"}}, true, "a"), 0,
       "failed: [h1] (item=a) => {\"msg\": \"no\"}"},
      {make(&cmd, ResultStatus::kChanged, {{"changed", true}}, true, "foo"), 0,
       "changed: [h1] => (item=foo)"},
      {make(&cmd, ResultStatus::kOk, {}, false, "", "h2"), 0, "ok: [h1 -> h2]"},
      {make(&debug, ResultStatus::kOk, {{"msg", "hi"}, {"changed", false}}), 0,
       "ok: [h1] => {\n    \"msg\": \"hi\"\n}"},
      {make(&cmd, ResultStatus::kUnreachable, {{"msg", "x"}, {"unreachable", true}}), 0,
       "fatal: [h1]: UNREACHABLE! => {\"msg\": \"x\", \"unreachable\": true}"},
      {make(&cmd, ResultStatus::kOk, {{"_ansible_no_log", false}, {"invocation", {}}}), 1,
       "ok: [h1] => {}"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.expected);
    CHECK(ResultText(c.result, c.verbosity) == c.expected);
  }
}

TEST_CASE("no_log censors results") {
  CHECK(CensoredResult(Json{{"changed", true}, {"secret", "x"}}) ==
        Json{{"censored",
              "the output has been hidden due to the fact that 'no_log: true' was specified "
              "for this result"},
             {"changed", true}});
}

TEST_CASE("diffs are unified with headers") {
  Json diff = {{"before", "a\nb\nc\n"},
               {"after", "a\nB\nc\n"},
               {"before_header", "/etc/x"},
               {"after_header", "/etc/x"}};
  CHECK(DiffText(diff) ==
        "--- before: /etc/x\n+++ after: /etc/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n");
  CHECK(DiffText(Json{{"before", "same"}, {"after", "same"}}).empty());
}

TEST_CASE("hunk ranges as Python's difflib writes them: one line is just its number") {
  CHECK(DiffText(Json{{"before", ""}, {"after", "x\n"}}) == "--- before\n+++ after\n@@ -0,0 +1 @@\n+x\n");
  CHECK(DiffText(Json{{"before", "x\n"}, {"after", "y\n"}}) == "--- before\n+++ after\n@@ -1 +1 @@\n-x\n+y\n");
  CHECK(DiffText(Json{{"before", "a\nb\n"}, {"after", ""}}) == "--- before\n+++ after\n@@ -1,2 +0,0 @@\n-a\n-b\n");
}

TEST_CASE("a module's deprecation as Ansible's display words it") {
  CHECK(DeprecationText(Json{{"msg", "Use x instead"}, {"version", "9.0.0"}, {"collection_name", "community.general"}}) ==
        "[DEPRECATION WARNING]: Use x instead. This feature will be removed from community.general in "
        "version 9.0.0. Deprecation warnings can be disabled by setting deprecation_warnings=False in "
        "ansible.cfg.");
  CHECK(DeprecationText(Json{{"msg", "Gone soon!"}, {"date", "2025-01-01"}, {"collection_name", "ansible.builtin"}}) ==
        "[DEPRECATION WARNING]: Gone soon! This feature will be removed from ansible-core in a release "
        "after 2025-01-01. Deprecation warnings can be disabled by setting deprecation_warnings=False in "
        "ansible.cfg.");
}

}  // namespace
}  // namespace tend
