#include "controller/playbook/keyword_use.h"

#include <doctest/doctest.h>

#include <set>

#include "controller/playbook/loader.h"
#include "controller/playbook/task_keywords.h"
#include "controller/playbook/test_files.h"

namespace tend {
namespace {

std::set<std::string> AcceptedKeywords() {
  std::set<std::string> all;
  for (const auto* list : {&PlayKeywords(), &BlockKeywords(), &TaskKeywords()}) {
    all.insert(list->begin(), list->end());
  }
  return all;
}

// Every field of a loaded task, so a test can see whether a keyword landed.
Json Describe(const Task& t) {
  return Json{{"name", t.name},
              {"action", t.action},
              {"args", t.args},
              {"vars", t.vars},
              {"when", t.when},
              {"loop", t.loop},
              {"loop_kind", t.loop_kind},
              {"loop_control", t.loop_control},
              {"register", t.register_as},
              {"notify", t.notify},
              {"tags", t.tags},
              {"changed_when", t.changed_when},
              {"failed_when", t.failed_when},
              {"until", t.until},
              {"retries", t.retries},
              {"delay", t.delay},
              {"ignore_errors", t.ignore_errors},
              {"ignore_unreachable", t.ignore_unreachable},
              {"delegate_to", t.delegate_to},
              {"delegate_facts", t.delegate_facts},
              {"run_once", t.run_once},
              {"check_mode", t.check_mode},
              {"diff", t.diff},
              {"no_log", t.no_log},
              {"environment", t.environment},
              {"become", t.become},
              {"become_user", t.become_user},
              {"become_method", t.become_method},
              {"become_flags", t.become_flags},
              {"become_exe", t.become_exe},
              {"connection", t.connection},
              {"remote_user", t.remote_user},
              {"port", t.port},
              {"module_defaults", t.module_defaults},
              {"throttle", t.throttle},
              {"any_errors_fatal", t.any_errors_fatal},
              {"async", t.async},
              {"poll", t.poll},
              {"timeout", t.timeout}};
}

Expected<Playbook> LoadText(TestDir& dir, const std::string& yaml) {
  dir.Write("site.yml", yaml);
  PlaybookLoader loader;
  return loader.Load(dir.Path("site.yml"));
}

std::string SampleValue(const std::string& keyword) {
  for (const char* mapping : {"vars", "args", "loop_control", "module_defaults", "environment"}) {
    if (keyword == mapping) return "{k: v}";
  }
  return "'{{ v }}'";
}

}  // namespace

TEST_CASE("every keyword tend accepts is honoured or refused, by a row of KeywordUses") {
  std::set<std::string> accepted = AcceptedKeywords();
  for (const auto& k : accepted) CHECK_MESSAGE(FindKeywordUse(k) != nullptr, "no row: " << k);
  for (const auto& row : KeywordUses()) {
    CHECK_MESSAGE(accepted.contains(row.keyword), "a row for an unknown keyword: " << row.keyword);
  }
}

TEST_CASE("each honoured task keyword lands in the loaded task") {
  // Keywords that shape the task itself rather than a field of it.
  const std::set<std::string> structural = {"action", "local_action", "block", "rescue",
                                            "always", "listen", "collections"};
  TestDir dir;
  auto plain = LoadText(dir, "- hosts: all\n  tasks:\n    - command: x\n");
  REQUIRE(plain.has_value());
  Json before = Describe(plain->plays[0].tasks[0]);
  for (const auto& k : TaskKeywords()) {
    const KeywordRow* row = FindKeywordUse(k);
    if (structural.contains(k) || row == nullptr || row->use != KeywordUse::kHonoured) continue;
    CAPTURE(k);
    auto book = LoadText(dir, "- hosts: all\n  tasks:\n    - command: x\n      " + k + ": " +
                                  SampleValue(k) + "\n");
    REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
    CHECK(Describe(book->plays[0].tasks[0]) != before);
  }
}

TEST_CASE("play keywords reach the play's tasks and its fact gathering") {
  TestDir dir;
  auto book = LoadText(dir,
                       "- hosts: all\n  port: 2222\n  become_flags: -E\n  become_exe: doas\n"
                       "  remote_user: deploy\n  environment: {A: b}\n  check_mode: true\n"
                       "  tasks:\n    - command: x\n    - command: y\n      port: 22\n");
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  const Play& play = book->plays[0];
  CHECK(play.tasks[0].port == 2222);
  CHECK(play.tasks[1].port == 22);
  CHECK(play.tasks[0].become_flags == "-E");
  CHECK(play.tasks[0].become_exe == "doas");
  CHECK(play.tasks[0].remote_user == "deploy");
  CHECK(play.tasks[0].environment == Json{{"A", "b"}});
  CHECK(play.tasks[0].check_mode == true);
  CHECK(play.keywords.port == 2222);
}

TEST_CASE("block notify and module_defaults reach the tasks inside") {
  TestDir dir;
  auto book = LoadText(dir,
                       "- hosts: all\n  tasks:\n    - block:\n        - command: x\n"
                       "        - command: y\n          notify: own\n"
                       "      notify: restart\n"
                       "      module_defaults: {command: {chdir: /tmp}}\n"
                       "  handlers:\n    - name: restart\n      command: r\n"
                       "    - name: own\n      command: o\n");
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  const Task& block = book->plays[0].tasks[0];
  CHECK(block.block[0].notify == std::vector<std::string>{"restart"});
  CHECK(block.block[1].notify == std::vector<std::string>{"own"});
  CHECK(block.block[0].module_defaults == Json{{"command", {{"chdir", "/tmp"}}}});
}

TEST_CASE("refused keywords are located load errors; debugger: never is accepted") {
  TestDir dir;
  auto timeout = LoadText(dir, "- hosts: all\n  tasks:\n    - command: x\n      timeout: 5\n");
  REQUIRE_MESSAGE(timeout.has_value(), timeout.error().ToString());  // honoured: remote_call.cc
  CHECK(timeout->plays[0].tasks[0].timeout == 5);
  auto debugger = LoadText(dir, "- hosts: all\n  debugger: on_failed\n  tasks: []\n");
  REQUIRE_FALSE(debugger.has_value());
  CHECK(debugger.error().ToString() ==
        dir.Path("site.yml") +
            ":2:13: the 'debugger' keyword is not supported by tend: tend has no interactive "
            "task debugger; remove it or use 'debugger: never'");
  CHECK(LoadText(dir, "- hosts: all\n  debugger: never\n  tasks: []\n").has_value());
}

TEST_CASE("collections: short names of a collection tend implements resolve through it") {
  TestDir dir;
  auto book = LoadText(dir,
                       "- hosts: all\n  collections: [community.general]\n  tasks:\n"
                       "    - modprobe: name=dummy\n"
                       "    - community.general.modprobe: name=dummy\n");
  REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
  CHECK(book->plays[0].tasks[0].action == "modprobe");
  CHECK(book->plays[0].tasks[1].action == "modprobe");
}

}  // namespace tend
