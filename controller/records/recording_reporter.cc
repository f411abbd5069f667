#include "controller/records/recording_reporter.h"

#include <fmt/format.h>

namespace tend {
namespace {

bool GathersFacts(const Task& task) {
  return task.action == "gather_facts" || task.action == "setup";
}

}  // namespace

Json RecapJson(const std::map<std::string, HostStats>& stats) {
  Json out = Json::object();
  for (const auto& [host, s] : stats) {
    out[host] = {{"ok", s.ok},          {"changed", s.changed}, {"unreachable", s.unreachable},
                 {"failed", s.failed},  {"skipped", s.skipped}, {"rescued", s.rescued},
                 {"ignored", s.ignored}};
  }
  return out;
}

RecordingReporter::RecordingReporter(std::unique_ptr<Reporter> inner,
                                     std::unique_ptr<RecordStore> store, RunInfo info)
    : inner_(std::move(inner)), store_(std::move(store)) {
  if (!store_) return;
  auto id = store_->BeginRun(info);
  if (!id) {
    Check(std::unexpected(id.error()));
    return;
  }
  run_id_ = *id;
}

void RecordingReporter::Check(const Expected<void>& ok) {
  if (ok || !store_) return;
  store_.reset();
  inner_->Warning(fmt::format("run records: {}; this run goes on unrecorded", ok.error().message));
}

void RecordingReporter::PlayStart(const Play& play) {
  {
    std::lock_guard lock(mutex_);
    play_ = play.name;
  }
  inner_->PlayStart(play);
}

void RecordingReporter::TaskStart(const Task& task, std::string_view kind) {
  inner_->TaskStart(task, kind);
}

void RecordingReporter::Result(const HostResult& result) {
  inner_->Result(result);
  // Loop items travel inside their task's summary result; record that once.
  if (result.is_item) return;
  std::lock_guard lock(mutex_);
  if (store_) Record(result);
}

void RecordingReporter::Record(const HostResult& r) {
  TaskRecord rec;
  rec.seq = ++seq_;
  rec.play = play_;
  if (r.task != nullptr) {
    rec.task = r.task->DisplayName();
    rec.module = r.task->action;
  }
  rec.host = r.host;
  rec.status = std::string(StatusName(r.status));
  rec.changed = r.status == ResultStatus::kChanged;
  rec.ignored = r.ignored;
  int64_t now = NowMs();
  rec.started_ms = now - static_cast<int64_t>(r.seconds * 1000);
  rec.seconds = r.seconds;
  rec.result = r.result;
  // Facts go to their own table, once per gathering, so fact history is a
  // query and not a walk through every task result.
  if (r.task != nullptr && GathersFacts(*r.task) && rec.result.is_object() &&
      rec.result.contains("ansible_facts") && rec.result["ansible_facts"].is_object()) {
    Check(store_->AddFacts({run_id_, r.host, now, rec.result["ansible_facts"]}));
    rec.result.erase("ansible_facts");
    if (!store_) return;
  }
  Check(store_->AddResult(run_id_, rec));
}

void RecordingReporter::Included(const std::string& file, const std::vector<std::string>& hosts) {
  inner_->Included(file, hosts);
}

void RecordingReporter::Warning(const std::string& text) { inner_->Warning(text); }

void RecordingReporter::Note(const std::string& text) { inner_->Note(text); }

void RecordingReporter::Recap(const std::map<std::string, HostStats>& stats) {
  {
    std::lock_guard lock(mutex_);
    recap_ = RecapJson(stats);
  }
  inner_->Recap(stats);
}

void RecordingReporter::Progress(std::string_view task, int running, int total) {
  inner_->Progress(task, running, total);
}

void RecordingReporter::Finish(int exit_code) {
  std::lock_guard lock(mutex_);
  if (store_) Check(store_->FinishRun(run_id_, NowMs(), exit_code, recap_));
}

}  // namespace tend
