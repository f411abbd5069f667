#pragma once

// What a run record holds (docs/records.md). Times are milliseconds since the
// Unix epoch, UTC.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/json.h"

namespace tend {

/// A file the run read, with its git commit when it lives in a repository.
struct RunSource {
  std::string kind;  // "inventory", "playbook", or "module" (an ad-hoc run's)
  std::string path;  // the module's name for "module"
  std::string commit;  // "" outside a repository
};

struct RunInfo {
  int64_t id = 0;  // given by the store
  std::string command;  // "play", "run", "bootstrap"
  std::string command_line;
  std::string user;
  std::string controller;  // the controller's host name
  int64_t started_ms = 0;
  std::optional<int64_t> finished_ms;  // none: still running, or killed (incomplete)
  std::optional<int> exit_code;
  std::vector<RunSource> sources;
  Json recap = Json::object();  // host → {ok, changed, ...} once the run ended
};

/// One host's result of one task (loop items travel inside `result`).
struct TaskRecord {
  int64_t seq = 0;  // order within the run
  std::string play;
  std::string task;
  std::string module;
  std::string host;
  std::string status;  // ok, changed, failed, skipped, unreachable
  bool changed = false;
  bool ignored = false;
  int64_t started_ms = 0;
  double seconds = 0;
  Json result;  // redacted as the output shows it
};

struct FactsRecord {
  int64_t run_id = 0;
  std::string host;
  int64_t gathered_ms = 0;
  Json facts;
};

/// A run with what it did, for `tend history RUN` and `tend report`.
struct RunDetail {
  RunInfo info;
  std::vector<TaskRecord> results;
};

/// A line of `tend history`: the run and its per-host counters.
struct RunSummaryRow {
  RunInfo info;
  Json counts = Json::object();  // host → {ok, changed, failed, unreachable, skipped}
};

/// One task result on a host, with the run it belongs to (`tend history --host`).
struct HostChange {
  RunInfo run;
  TaskRecord result;
};

}  // namespace tend

namespace tend {

/// Adds one result to per-host counters as `tend history` shows them
/// (ok counts changed results too, as the PLAY RECAP does).
void CountResult(Json& counts, const std::string& host, const std::string& status);

/// Milliseconds since the epoch, now.
int64_t NowMs();

}  // namespace tend
