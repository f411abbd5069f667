#include "controller/cli/adhoc_records.h"

#include <fmt/format.h>

#include <chrono>

#include "controller/cli/adhoc.h"
#include "controller/cli/redacting_reporter.h"
#include "controller/cli/run_records.h"

namespace tend {
namespace {

// Ad-hoc output is printed host by host by RunOnHosts; the only event the
// records chain itself has to show is the warning of a failing store.
class WarningsToStderr : public Reporter {
 public:
  void PlayStart(const Play&) override {}
  void TaskStart(const Task&, std::string_view) override {}
  void Result(const HostResult&) override {}
  void Included(const std::string&, const std::vector<std::string>&) override {}
  void Warning(const std::string& text) override { fmt::print(stderr, "[WARNING]: {}\n", text); }
  void Note(const std::string&) override {}
  void Recap(const std::map<std::string, HostStats>&) override {}
};

ResultStatus ToResultStatus(HostStatus status) {
  switch (status) {
    case HostStatus::kOk: return ResultStatus::kOk;
    case HostStatus::kChanged: return ResultStatus::kChanged;
    case HostStatus::kFailed: return ResultStatus::kFailed;
    case HostStatus::kUnreachable: return ResultStatus::kUnreachable;
    case HostStatus::kSkipped: return ResultStatus::kSkipped;
  }
  return ResultStatus::kFailed;
}

void Count(HostStats& stats, HostStatus status) {
  switch (status) {
    case HostStatus::kOk: ++stats.ok; break;
    case HostStatus::kChanged: ++stats.ok, ++stats.changed; break;
    case HostStatus::kFailed: ++stats.failed; break;
    case HostStatus::kUnreachable: ++stats.unreachable; break;
    case HostStatus::kSkipped: ++stats.skipped; break;
  }
}

}  // namespace

AdhocRecords::AdhocRecords(const std::string& records, RunInfo info, const std::string& pattern,
                           const std::string& module, const Json& args) {
  info.sources.push_back({"module", module, ""});
  auto inner = WithRecords(std::make_unique<WarningsToStderr>(), records, std::move(info),
                           &recorder_);
  Start(std::move(inner), pattern, module, args);
}

AdhocRecords::AdhocRecords(std::unique_ptr<RecordStore> store, RunInfo info,
                           const std::string& pattern, const std::string& module,
                           const Json& args) {
  info.sources.push_back({"module", module, ""});
  auto recording = std::make_unique<RecordingReporter>(std::make_unique<WarningsToStderr>(),
                                                       std::move(store), std::move(info));
  recorder_ = recording.get();
  Start(std::move(recording), pattern, module, args);
}

void AdhocRecords::Start(std::unique_ptr<Reporter> inner, const std::string& pattern,
                         const std::string& module, const Json& args) {
  reporter_ = std::make_unique<RedactingReporter>(std::move(inner));
  // The names `ansible` gives an ad-hoc run's play and task.
  play_.name = fmt::format("Ad-hoc: {}", pattern);
  play_.hosts = pattern;
  task_.action = module;
  task_.args = args;
  reporter_->PlayStart(play_);
  reporter_->TaskStart(task_, "TASK");
}

HostWork AdhocRecords::Observe(HostWork work) {
  return [this, work = std::move(work)](const HostTarget& target,
                                        const Expected<HostSession*>& session) {
    auto start = std::chrono::steady_clock::now();
    Json result = work(target, session);
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    Result(target.name, result, took.count());
    return result;
  };
}

void AdhocRecords::Result(const std::string& host, const Json& result, double seconds) {
  HostStatus status = StatusOf(result);
  {
    std::lock_guard lock(mutex_);
    Count(stats_[host], status);
  }
  HostResult r;
  r.host = host;
  r.task = &task_;
  r.status = ToResultStatus(status);
  r.result = result;
  r.seconds = seconds;
  reporter_->Result(r);
}

void AdhocRecords::Finish(int exit_code) {
  {
    std::lock_guard lock(mutex_);
    reporter_->Recap(stats_);
  }
  if (recorder_ != nullptr) recorder_->Finish(exit_code);
}

}  // namespace tend
