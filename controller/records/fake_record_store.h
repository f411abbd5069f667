#pragma once

// An in-memory RecordStore for tests: keeps what it was given, and can be
// told to fail every write from some point on (a full or locked database).

#include "controller/records/record_store.h"

namespace tend {

class FakeRecordStore : public RecordStore {
 public:
  Expected<int64_t> BeginRun(const RunInfo& info) override;
  Expected<void> AddResult(int64_t run, const TaskRecord& record) override;
  Expected<void> AddFacts(const FactsRecord& facts) override;
  Expected<void> FinishRun(int64_t run, int64_t finished_ms, int exit_code,
                           const Json& recap) override;
  Expected<std::vector<RunSummaryRow>> ListRuns(int limit) override;
  Expected<RunDetail> LoadRun(int64_t run) override;
  Expected<std::vector<HostChange>> HostHistory(const std::string& host, int limit) override;
  Expected<std::vector<FactsRecord>> FactHistory(const std::string& host) override;
  Expected<std::vector<FactsRecord>> LatestFacts() override;

  /// Writes after the first `n` fail with `message`.
  void FailWritesAfter(int n, std::string message) {
    writes_left_ = n;
    failure_ = std::move(message);
  }

  std::vector<RunDetail> runs;
  std::vector<FactsRecord> facts;
  int write_attempts = 0;

 private:
  Expected<void> Write();
  RunDetail* Find(int64_t id);

  int writes_left_ = -1;
  std::string failure_;
};

}  // namespace tend
