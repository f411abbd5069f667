#pragma once

// Run records for `tend run` (issue 20): an ad-hoc run is recorded as a run
// with one play ("Ad-hoc: PATTERN") and one task (the module and its args),
// each host's result as that task's result, and a recap built from the
// statuses, as `tend play` records it. Results pass the same redaction as the
// output of a play (vault values hidden) before they are stored.

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "controller/cli/adhoc_command.h"
#include "controller/playbook/model.h"
#include "controller/records/recording_reporter.h"

namespace tend {

class AdhocRecords {
 public:
  /// Records into `records` (the --records value; "off" records nothing). A
  /// store that cannot be opened gives one warning on stderr.
  AdhocRecords(const std::string& records, RunInfo info, const std::string& pattern,
               const std::string& module, const Json& args);
  /// Records into `store` (tests).
  AdhocRecords(std::unique_ptr<RecordStore> store, RunInfo info, const std::string& pattern,
               const std::string& module, const Json& args);

  /// `work`, timed, with each host's result recorded as it comes.
  HostWork Observe(HostWork work);
  /// One host's result (thread safe).
  void Result(const std::string& host, const Json& result, double seconds);
  /// Writes the recap and marks the run finished with `exit_code`.
  void Finish(int exit_code);

 private:
  void Start(std::unique_ptr<Reporter> inner, const std::string& pattern,
             const std::string& module, const Json& args);

  Play play_;
  Task task_;
  std::unique_ptr<Reporter> reporter_;  // redacting, then recording
  RecordingReporter* recorder_ = nullptr;
  std::mutex mutex_;
  std::map<std::string, HostStats> stats_;
};

}  // namespace tend
