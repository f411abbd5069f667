#include "controller/cli/adhoc_records.h"

#include <doctest/doctest.h>

#include "controller/records/fake_record_store.h"
#include "controller/vault/vault.h"

namespace tend {
namespace {

struct Fixture {
  explicit Fixture(const std::string& module = "command") {
    auto fake = std::make_unique<FakeRecordStore>();
    store = fake.get();
    RunInfo info;
    info.command = "run";
    records = std::make_unique<AdhocRecords>(std::move(fake), info, "web:db", module,
                                             Json{{"_raw_params", "uptime"}});
  }
  FakeRecordStore* store = nullptr;
  std::unique_ptr<AdhocRecords> records;
};

TEST_CASE("an ad-hoc run is recorded as one play and one task, a result per host") {
  Fixture f;
  f.records->Result("web1", Json{{"changed", true}, {"rc", 0}, {"stdout", "up 3 days"}}, 0.25);
  f.records->Result("db1", Json{{"failed", true}, {"rc", 1}, {"msg", "non-zero"}}, 0.5);
  f.records->Result("web2", Json{{"unreachable", true}, {"msg", "timed out"}}, 10);
  f.records->Finish(4);

  REQUIRE(f.store->runs.size() == 1);
  const RunDetail& run = f.store->runs[0];
  CHECK(run.info.command == "run");
  CHECK(run.info.exit_code == 4);
  REQUIRE(run.results.size() == 3);
  CHECK(run.results[0].play == "Ad-hoc: web:db");
  CHECK(run.results[0].module == "command");
  CHECK(run.results[0].host == "web1");
  CHECK(run.results[0].status == "changed");
  CHECK(run.results[0].changed);
  CHECK(run.results[0].seconds == doctest::Approx(0.25));
  CHECK(run.results[0].result["stdout"] == "up 3 days");
  CHECK(run.results[1].status == "failed");
  CHECK(run.results[2].status == "unreachable");

  const Json& recap = run.info.recap;
  CHECK(recap["web1"]["ok"] == 1);
  CHECK(recap["web1"]["changed"] == 1);
  CHECK(recap["db1"]["failed"] == 1);
  CHECK(recap["db1"]["ok"] == 0);
  CHECK(recap["web2"]["unreachable"] == 1);
}

TEST_CASE("ad-hoc results are stored with vault secrets hidden, as the play output hides them") {
  SecretRegistry::Global().ClearForTesting();
  SecretRegistry::Global().Add("hunter2-token");
  Fixture f("debug");
  f.records->Result("web1", Json{{"msg", "token is hunter2-token"}}, 0.01);
  f.records->Finish(0);
  REQUIRE(f.store->runs[0].results.size() == 1);
  std::string stored = f.store->runs[0].results[0].result.dump();
  CHECK(stored.find("hunter2-token") == std::string::npos);
  CHECK(stored.find(std::string(kRedacted)) != std::string::npos);
  SecretRegistry::Global().ClearForTesting();
}

TEST_CASE("ad-hoc setup results feed the fact history") {
  Fixture f("setup");
  f.records->Result("web1",
                    Json{{"ansible_facts", {{"ansible_distribution_version", "12.8"}}}}, 0.3);
  f.records->Finish(0);
  REQUIRE(f.store->facts.size() == 1);
  CHECK(f.store->facts[0].host == "web1");
  CHECK(f.store->facts[0].facts["ansible_distribution_version"] == "12.8");
}

TEST_CASE("Observe times the work and records what it returns") {
  Fixture f;
  HostWork work = f.records->Observe(
      [](const HostTarget&, const Expected<HostSession*>&) { return Json{{"changed", false}}; });
  HostTarget target;
  target.name = "web1";
  Expected<HostSession*> session = static_cast<HostSession*>(nullptr);
  Json result = work(target, session);
  CHECK(result["changed"] == false);
  f.records->Finish(0);
  REQUIRE(f.store->runs[0].results.size() == 1);
  CHECK(f.store->runs[0].results[0].status == "ok");
  CHECK(f.store->runs[0].results[0].seconds >= 0);
}

}  // namespace
}  // namespace tend
