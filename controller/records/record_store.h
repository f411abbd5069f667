#pragma once

// Where run records go and come from: an interface with a SQL implementation
// (SQLite or PostgreSQL underneath) and an in-memory fake for tests.

#include <memory>
#include <string>
#include <vector>

#include "controller/records/record.h"
#include "controller/records/sql_db.h"
#include "core/error.h"

namespace tend {

class RecordStore {
 public:
  virtual ~RecordStore() = default;
  /// Stores the start of a run; returns its id.
  virtual Expected<int64_t> BeginRun(const RunInfo& info) = 0;
  virtual Expected<void> AddResult(int64_t run, const TaskRecord& record) = 0;
  virtual Expected<void> AddFacts(const FactsRecord& facts) = 0;
  virtual Expected<void> FinishRun(int64_t run, int64_t finished_ms, int exit_code,
                                   const Json& recap) = 0;

  /// The newest `limit` runs, newest first.
  virtual Expected<std::vector<RunSummaryRow>> ListRuns(int limit) = 0;
  virtual Expected<RunDetail> LoadRun(int64_t run) = 0;
  /// Results on `host` that changed or failed something, newest first.
  virtual Expected<std::vector<HostChange>> HostHistory(const std::string& host, int limit) = 0;
  /// Every stored facts snapshot of `host`, newest first.
  virtual Expected<std::vector<FactsRecord>> FactHistory(const std::string& host) = 0;
  /// The newest snapshot of each host.
  virtual Expected<std::vector<FactsRecord>> LatestFacts() = 0;
};

/// The schema version this tend writes; older databases are migrated on open.
inline constexpr int kRecordsSchemaVersion = 1;

/// A store over an open SQL connection, its schema migrated to the current
/// version (an error when the database was written by a newer tend).
Expected<std::unique_ptr<RecordStore>> OpenSqlStore(std::unique_ptr<SqlDb> db);

}  // namespace tend
