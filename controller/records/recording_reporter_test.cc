#include "controller/records/recording_reporter.h"

#include <doctest/doctest.h>

#include "controller/records/fake_record_store.h"

namespace tend {
namespace {

// Counts what reaches the printing reporter.
class CountingReporter : public Reporter {
 public:
  void PlayStart(const Play&) override { ++events; }
  void TaskStart(const Task&, std::string_view) override { ++events; }
  void Result(const HostResult&) override { ++results; }
  void Included(const std::string&, const std::vector<std::string>&) override { ++events; }
  void Warning(const std::string& text) override { warnings.push_back(text); }
  void Note(const std::string&) override { ++events; }
  void Recap(const std::map<std::string, HostStats>&) override { ++events; }

  int events = 0;
  int results = 0;
  std::vector<std::string> warnings;
};

struct Fixture {
  Fixture() {
    auto counting = std::make_unique<CountingReporter>();
    printed = counting.get();
    auto fake = std::make_unique<FakeRecordStore>();
    store = fake.get();
    RunInfo info;
    info.command = "play";
    reporter = std::make_unique<RecordingReporter>(std::move(counting), std::move(fake), info);
    play.name = "site";
    copy.name = "config";
    copy.action = "copy";
    facts.name = "Gathering Facts";
    facts.action = "gather_facts";
  }
  HostResult On(const std::string& host, const Task& task, ResultStatus status, Json result) {
    HostResult r;
    r.host = host;
    r.task = &task;
    r.status = status;
    r.result = std::move(result);
    r.seconds = 1.5;
    return r;
  }

  CountingReporter* printed = nullptr;
  FakeRecordStore* store = nullptr;
  std::unique_ptr<RecordingReporter> reporter;
  Play play;
  Task copy;
  Task facts;
};

TEST_CASE("each host result is recorded as it arrives, and the output still sees it") {
  Fixture f;
  f.reporter->PlayStart(f.play);
  f.reporter->TaskStart(f.copy, "TASK");
  f.reporter->Result(f.On("web1", f.copy, ResultStatus::kChanged, {{"changed", true}}));
  REQUIRE(f.store->runs.size() == 1);
  REQUIRE(f.store->runs[0].results.size() == 1);  // before the run ends
  const TaskRecord& r = f.store->runs[0].results[0];
  CHECK(r.play == "site");
  CHECK(r.task == "config");
  CHECK(r.module == "copy");
  CHECK(r.status == "changed");
  CHECK(r.changed);
  CHECK(r.seconds == 1.5);
  CHECK(r.seq == 1);
  CHECK(f.printed->results == 1);
  CHECK_FALSE(f.store->runs[0].info.finished_ms.has_value());

  f.reporter->Recap({{"web1", HostStats{.ok = 1, .changed = 1}}});
  f.reporter->Finish(0);
  CHECK(f.store->runs[0].info.exit_code == 0);
  CHECK(f.store->runs[0].info.recap["web1"]["changed"] == 1);
}

TEST_CASE("loop items are recorded once, inside their task's summary") {
  Fixture f;
  HostResult item = f.On("web1", f.copy, ResultStatus::kOk, {{"item", 1}});
  item.is_item = true;
  f.reporter->Result(item);
  HostResult summary = f.On("web1", f.copy, ResultStatus::kOk, {{"results", {{{"item", 1}}}}});
  summary.loop_summary = true;
  f.reporter->Result(summary);
  REQUIRE(f.store->runs[0].results.size() == 1);
  CHECK(f.store->runs[0].results[0].result.contains("results"));
  CHECK(f.printed->results == 2);
}

TEST_CASE("gathered facts go to the facts table, not into the task result") {
  Fixture f;
  f.reporter->Result(f.On("web1", f.facts, ResultStatus::kOk,
                          {{"ansible_facts", {{"ansible_os_family", "Debian"}}}}));
  REQUIRE(f.store->facts.size() == 1);
  CHECK(f.store->facts[0].host == "web1");
  CHECK(f.store->facts[0].facts["ansible_os_family"] == "Debian");
  REQUIRE(f.store->runs[0].results.size() == 1);
  CHECK_FALSE(f.store->runs[0].results[0].result.contains("ansible_facts"));
}

TEST_CASE("a store that starts failing warns once; the run's output goes on") {
  Fixture f;
  int begun = f.store->write_attempts;  // the run's start
  f.store->FailWritesAfter(0, "records.db: database or disk is full");
  for (int i = 0; i < 3; ++i) {
    f.reporter->Result(f.On("web1", f.copy, ResultStatus::kOk, {}));
  }
  f.reporter->Finish(0);
  REQUIRE(f.printed->warnings.size() == 1);
  CHECK(f.printed->warnings[0] ==
        "run records: records.db: database or disk is full; this run goes on unrecorded");
  CHECK(f.store->write_attempts == begun + 1);  // nothing tried after the failure
  CHECK(f.printed->results == 3);
}

TEST_CASE("a store that cannot start the run warns once and records nothing") {
  auto counting = std::make_unique<CountingReporter>();
  CountingReporter* printed = counting.get();
  auto fake = std::make_unique<FakeRecordStore>();
  fake->FailWritesAfter(0, "database is locked");
  RecordingReporter reporter(std::move(counting), std::move(fake), RunInfo{});
  CHECK(reporter.RunId() == 0);
  Task t;
  HostResult r;
  r.task = &t;
  reporter.Result(r);
  reporter.Finish(0);
  CHECK(printed->warnings ==
        std::vector<std::string>{"run records: database is locked; this run goes on unrecorded"});
  CHECK(printed->results == 1);
}

}  // namespace
}  // namespace tend
