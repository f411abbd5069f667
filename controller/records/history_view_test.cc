#include "controller/records/history_view.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>

namespace tend {
namespace {

struct UtcClock {
  UtcClock() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

RunInfo Run(int64_t id, std::optional<int> exit_code) {
  RunInfo i;
  i.id = id;
  i.command = "play";
  i.command_line = "tend play -i hosts site.yml";
  i.user = "ops";
  i.controller = "laptop";
  i.started_ms = 1796551915000;  // 2026-12-06 10:11:55 UTC
  if (exit_code) {
    i.finished_ms = i.started_ms + 83'500;
    i.exit_code = exit_code;
  }
  i.sources = {{"inventory", "/repo/hosts", ""}, {"playbook", "/repo/site.yml", "0123456789abcdef"}};
  return i;
}

TaskRecord Result(std::string host, std::string task, std::string status) {
  TaskRecord r;
  r.play = "site";
  r.host = std::move(host);
  r.task = std::move(task);
  r.module = "copy";
  r.status = std::move(status);
  r.changed = r.status == "changed";
  r.started_ms = 1796551916000;
  r.seconds = 0.4;
  return r;
}

TEST_CASE("durations and statuses as the history shows them") {
  CHECK(FormatDuration(1.24) == "1.2s");
  CHECK(FormatDuration(184) == "3m04s");
  CHECK(FormatDuration(3725) == "1h02m");
  CHECK(RunStatus(Run(1, 0)) == "ok");
  CHECK(RunStatus(Run(1, 2)) == "failed");
  CHECK(RunStatus(Run(1, 4)) == "unreachable");
  CHECK(RunStatus(Run(1, std::nullopt)) == "incomplete");
}

TEST_CASE("the run list: one line per run, counters summed over hosts") {
  UtcClock utc;
  RunSummaryRow done{Run(2, 2), {{"web1", {{"ok", 3}, {"changed", 1}, {"failed", 0}, {"unreachable", 0}}},
                                 {"web2", {{"ok", 2}, {"changed", 1}, {"failed", 1}, {"unreachable", 0}}}}};
  RunSummaryRow killed{Run(1, std::nullopt), {{"web1", {{"ok", 1}, {"changed", 0}, {"failed", 0}, {"unreachable", 0}}}}};
  CHECK(RunsTable({done, killed}) ==
        "RUN  STARTED              USER  CONTROLLER  WHAT           HOSTS  OK  CHANGED  FAILED  "
        "UNREACHABLE  DURATION  STATUS\n"
        "2    2026-12-06 10:11:55  ops   laptop      play site.yml  2      5   2        1       "
        "0            1m23s     failed\n"
        "1    2026-12-06 10:11:55  ops   laptop      play site.yml  1      1   0        0       "
        "0            -         incomplete\n");
}

TEST_CASE("one run per host and task, with its sources and their commits") {
  UtcClock utc;
  RunDetail d{Run(7, 0), {Result("web1", "config", "changed"), Result("web2", "config", "ok"),
                          Result("web1", "restart", "failed")}};
  d.results[2].ignored = true;
  CHECK(RunDetailText(d) ==
        "run 7: play site.yml by ops on laptop, 2026-12-06 10:11:55 (ok)\n"
        "command: tend play -i hosts site.yml\n"
        "inventory: /repo/hosts\n"
        "playbook: /repo/site.yml (git 0123456789ab)\n"
        "duration: 1m23s\n"
        "\nweb1\n"
        "  TASK     MODULE  STATUS            DURATION\n"
        "  config   copy    changed           0.4s\n"
        "  restart  copy    failed (ignored)  0.4s\n"
        "\nweb2\n"
        "  TASK    MODULE  STATUS  DURATION\n"
        "  config  copy    ok      0.4s\n");
  Json j = RunDetailJson(d);
  CHECK(j["status"] == "ok");
  CHECK(j["results"].size() == 3);
  CHECK(j["sources"][1]["commit"] == "0123456789abcdef");
}

TEST_CASE("a host's changes over time") {
  UtcClock utc;
  std::vector<HostChange> changes = {{Run(3, 0), Result("web1", "config", "changed")}};
  CHECK(HostHistoryTable(changes) ==
        "WHEN                 RUN  USER  PLAY  TASK    MODULE  STATUS\n"
        "2026-12-06 10:11:56  3    ops   site  config  copy    changed\n");
  CHECK(HostHistoryJson(changes)[0]["run"]["id"] == 3);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_CASE("a finished run counts as its PLAY RECAP did (a failed command is changed too)") {
  RunSummaryRow row{Run(5, 2), {{"web1", {{"ok", 1}, {"changed", 0}, {"failed", 1}}}}};
  row.info.recap = {{"web1", {{"ok", 1}, {"changed", 1}, {"failed", 1}, {"unreachable", 0}}}};
  CHECK(RunsJson({row})[0]["hosts"]["web1"]["changed"] == 1);
}

}  // namespace
}  // namespace tend

namespace tend {
namespace {

TEST_CASE("what a run ran: a play's playbooks, an ad-hoc run's module") {
  RunInfo play = Run(1, 0);
  CHECK(RunWhat(play) == "play site.yml");
  RunInfo adhoc = Run(2, 0);
  adhoc.command = "run";
  adhoc.sources = {{"inventory", "/repo/hosts", ""}, {"module", "apt", ""}};
  CHECK(RunWhat(adhoc) == "run apt");
}

}  // namespace
}  // namespace tend
