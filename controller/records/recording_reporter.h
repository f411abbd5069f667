#pragma once

// Run records as one more consumer of the executor's events: forwards every
// event to the reporter that prints, and writes the run, each host's task
// results and gathered facts to a RecordStore as they happen, so a run
// killed mid-way leaves what finished. It sits inside the redacting reporter,
// so it sees results exactly as the output shows them (no_log censored, vault
// values hidden). A store that fails gives one warning; the run goes on
// unrecorded.

#include <map>
#include <memory>
#include <mutex>

#include "controller/playbook/reporter.h"
#include "controller/records/record_store.h"

namespace tend {

class RecordingReporter : public Reporter {
 public:
  /// Starts the run record (a failure is warned about through `inner`).
  RecordingReporter(std::unique_ptr<Reporter> inner, std::unique_ptr<RecordStore> store,
                    RunInfo info);
  void PlayStart(const Play& play) override;
  void TaskStart(const Task& task, std::string_view kind) override;
  void Result(const HostResult& result) override;
  void Included(const std::string& file, const std::vector<std::string>& hosts) override;
  void Warning(const std::string& text) override;
  void Note(const std::string& text) override;
  void Recap(const std::map<std::string, HostStats>& stats) override;
  void Progress(std::string_view task, int running, int total) override;

  /// Marks the run finished with the process's exit code.
  void Finish(int exit_code);
  /// The run's id, or 0 when nothing is being recorded.
  int64_t RunId() const { return run_id_; }

 private:
  /// Keeps the store while `ok` holds; otherwise warns once and drops it.
  void Check(const Expected<void>& ok);
  void Record(const HostResult& r);

  std::unique_ptr<Reporter> inner_;
  std::unique_ptr<RecordStore> store_;
  std::mutex mutex_;
  int64_t run_id_ = 0;
  int64_t seq_ = 0;
  std::string play_;
  Json recap_ = Json::object();
};

/// The JSON the PLAY RECAP counters become in a record.
Json RecapJson(const std::map<std::string, HostStats>& stats);

}  // namespace tend
