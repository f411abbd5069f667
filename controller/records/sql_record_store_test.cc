#include <doctest/doctest.h>

#include "controller/playbook/test_files.h"
#include "controller/records/record_store.h"
#include "controller/records/schema.h"
#include "controller/records/sqlite_db.h"

namespace tend {
namespace {

std::unique_ptr<RecordStore> Open(const std::string& path) {
  auto db = OpenSqlite(path);
  REQUIRE(db);
  auto store = OpenSqlStore(std::move(*db));
  REQUIRE(store);
  return std::move(*store);
}

TaskRecord Result(std::string host, std::string task, std::string status, int64_t seq) {
  TaskRecord r;
  r.seq = seq;
  r.play = "site";
  r.task = std::move(task);
  r.module = "copy";
  r.host = std::move(host);
  r.status = std::move(status);
  r.changed = r.status == "changed";
  r.started_ms = 1000 * seq;
  r.seconds = 0.25;
  r.result = {{"changed", r.changed}, {"diff", {{"before", "a\n"}, {"after", "b\n"}}}};
  return r;
}

TEST_CASE("a SQLite store keeps a run, its results and facts across reopening") {
  TestDir dir;
  std::string path = dir.Path("state/tend/records.db");  // the directory is created
  int64_t id = 0;
  {
    auto store = Open(path);
    RunInfo info;
    info.command = "play";
    info.command_line = "tend play site.yml";
    info.user = "ops";
    info.controller = "laptop";
    info.started_ms = 1000;
    info.sources = {{"playbook", "/repo/site.yml", "abc123"}};
    auto begun = store->BeginRun(info);
    REQUIRE(begun);
    id = *begun;
    REQUIRE(store->AddResult(id, Result("web1", "config", "changed", 1)));
    REQUIRE(store->AddResult(id, Result("web2", "config", "failed", 2)));
    REQUIRE(store->AddFacts({id, "web1", 1500, {{"ansible_distribution_version", "12"}}}));
    REQUIRE(store->FinishRun(id, 9000, 2, {{"web1", {{"ok", 1}, {"changed", 1}}}}));
  }
  auto store = Open(path);  // migrating again is a no-op
  auto run = store->LoadRun(id);
  REQUIRE(run);
  CHECK(run->info.command_line == "tend play site.yml");
  CHECK(run->info.user == "ops");
  CHECK(run->info.finished_ms == 9000);
  CHECK(run->info.exit_code == 2);
  REQUIRE(run->info.sources.size() == 1);
  CHECK(run->info.sources[0].commit == "abc123");
  REQUIRE(run->results.size() == 2);
  CHECK(run->results[0].host == "web1");
  CHECK(run->results[0].changed);
  CHECK(run->results[0].seconds == doctest::Approx(0.25));
  CHECK(run->results[0].result["diff"]["after"] == "b\n");
  CHECK(run->results[1].status == "failed");

  auto runs = store->ListRuns(10);
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  CHECK((*runs)[0].counts["web1"]["changed"] == 1);
  CHECK((*runs)[0].counts["web1"]["ok"] == 1);
  CHECK((*runs)[0].counts["web2"]["failed"] == 1);

  auto changes = store->HostHistory("web1", 10);
  REQUIRE(changes);
  REQUIRE(changes->size() == 1);
  CHECK(changes->front().result.task == "config");
  CHECK(changes->front().run.id == id);

  auto facts = store->FactHistory("web1");
  REQUIRE(facts);
  REQUIRE(facts->size() == 1);
  CHECK(facts->front().facts["ansible_distribution_version"] == "12");
  CHECK(store->LoadRun(id + 1).error().message.starts_with("no run"));
}

TEST_CASE("a run that never finished reads back without an end (incomplete)") {
  TestDir dir;
  auto store = Open(dir.Path("records.db"));
  auto id = store->BeginRun(RunInfo{.command = "play", .started_ms = 5});
  REQUIRE(id);
  REQUIRE(store->AddResult(*id, Result("web1", "a", "ok", 1)));
  auto run = store->LoadRun(*id);
  REQUIRE(run);
  CHECK_FALSE(run->info.finished_ms.has_value());
  CHECK(run->results.size() == 1);
}

TEST_CASE("latest facts: the newest snapshot per host") {
  TestDir dir;
  auto store = Open(dir.Path("records.db"));
  auto id = store->BeginRun(RunInfo{.command = "play"});
  REQUIRE(id);
  REQUIRE(store->AddFacts({*id, "b", 10, {{"v", 1}}}));
  REQUIRE(store->AddFacts({*id, "a", 10, {{"v", 1}}}));
  REQUIRE(store->AddFacts({*id, "b", 20, {{"v", 2}}}));
  auto latest = store->LatestFacts();
  REQUIRE(latest);
  REQUIRE(latest->size() == 2);
  CHECK((*latest)[0].host == "a");
  CHECK((*latest)[1].facts["v"] == 2);
  auto history = store->FactHistory("b");
  REQUIRE(history);
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].gathered_ms == 20);
}

TEST_CASE("the schema version is stored, and a newer database is refused with advice") {
  CHECK(static_cast<int>(RecordMigrations().size()) == kRecordsSchemaVersion);
  TestDir dir;
  std::string path = dir.Path("records.db");
  Open(path);
  {
    auto db = OpenSqlite(path);
    REQUIRE(db);
    auto rows = (*db)->Query("SELECT MAX(version) FROM tend_schema");
    REQUIRE(rows);
    CHECK(*rows->front()[0] == std::to_string(kRecordsSchemaVersion));
    REQUIRE((*db)->Exec("INSERT INTO tend_schema (version) VALUES (99)"));
  }
  auto db = OpenSqlite(path);
  REQUIRE(db);
  auto store = OpenSqlStore(std::move(*db));
  REQUIRE_FALSE(store);
  CHECK(store.error().message ==
        path + ": the records were written by a newer tend (schema version 99, this tend knows " +
            std::to_string(kRecordsSchemaVersion) + "); upgrade tend or use --records off");
}

TEST_CASE("a database locked by another writer fails the write instead of hanging") {
  TestDir dir;
  std::string path = dir.Path("records.db");
  auto store = Open(path);
  auto locker = OpenSqlite(path);
  REQUIRE(locker);
  REQUIRE((*locker)->Exec("BEGIN IMMEDIATE"));
  auto short_wait = OpenSqlite(path, 50);
  REQUIRE(short_wait);
  auto blocked = OpenSqlStore(std::move(*short_wait));
  REQUIRE_FALSE(blocked);
  CHECK(blocked.error().message.find("locked") != std::string::npos);
}

}  // namespace
}  // namespace tend
