#include "controller/records/fake_record_store.h"

#include <algorithm>

#include <fmt/format.h>

namespace tend {

Expected<void> FakeRecordStore::Write() {
  ++write_attempts;
  if (writes_left_ == 0) return Fail(failure_);
  if (writes_left_ > 0) --writes_left_;
  return {};
}

RunDetail* FakeRecordStore::Find(int64_t id) {
  for (auto& r : runs) {
    if (r.info.id == id) return &r;
  }
  return nullptr;
}

Expected<int64_t> FakeRecordStore::BeginRun(const RunInfo& info) {
  if (auto ok = Write(); !ok) return std::unexpected(ok.error());
  RunDetail d{info, {}};
  d.info.id = static_cast<int64_t>(runs.size()) + 1;
  runs.push_back(d);
  return d.info.id;
}

Expected<void> FakeRecordStore::AddResult(int64_t run, const TaskRecord& record) {
  if (auto ok = Write(); !ok) return ok;
  RunDetail* d = Find(run);
  if (d == nullptr) return Fail(fmt::format("no run {}", run));
  d->results.push_back(record);
  return {};
}

Expected<void> FakeRecordStore::AddFacts(const FactsRecord& f) {
  if (auto ok = Write(); !ok) return ok;
  facts.push_back(f);
  return {};
}

Expected<void> FakeRecordStore::FinishRun(int64_t run, int64_t finished_ms, int exit_code,
                                          const Json& recap) {
  if (auto ok = Write(); !ok) return ok;
  RunDetail* d = Find(run);
  if (d == nullptr) return Fail(fmt::format("no run {}", run));
  d->info.finished_ms = finished_ms;
  d->info.exit_code = exit_code;
  d->info.recap = recap;
  return {};
}

Expected<std::vector<RunSummaryRow>> FakeRecordStore::ListRuns(int limit) {
  std::vector<RunSummaryRow> out;
  for (auto it = runs.rbegin(); it != runs.rend() && static_cast<int>(out.size()) < limit; ++it) {
    RunSummaryRow row{it->info, Json::object()};
    for (const auto& r : it->results) CountResult(row.counts, r.host, r.status);
    out.push_back(std::move(row));
  }
  return out;
}

Expected<RunDetail> FakeRecordStore::LoadRun(int64_t run) {
  RunDetail* d = Find(run);
  if (d == nullptr) return Fail(fmt::format("no run {}", run));
  return *d;
}

Expected<std::vector<HostChange>> FakeRecordStore::HostHistory(const std::string& host,
                                                               int limit) {
  std::vector<HostChange> out;
  for (auto run = runs.rbegin(); run != runs.rend(); ++run) {
    for (auto r = run->results.rbegin(); r != run->results.rend(); ++r) {
      bool notable = r->changed || r->status == "failed" || r->status == "unreachable";
      if (r->host != host || !notable) continue;
      if (static_cast<int>(out.size()) == limit) return out;
      out.push_back({run->info, *r});
    }
  }
  return out;
}

Expected<std::vector<FactsRecord>> FakeRecordStore::FactHistory(const std::string& host) {
  std::vector<FactsRecord> out;
  for (auto it = facts.rbegin(); it != facts.rend(); ++it) {
    if (it->host == host) out.push_back(*it);
  }
  return out;
}

Expected<std::vector<FactsRecord>> FakeRecordStore::LatestFacts() {
  std::vector<FactsRecord> out;
  for (auto it = facts.rbegin(); it != facts.rend(); ++it) {
    bool seen = std::any_of(out.begin(), out.end(),
                            [&](const FactsRecord& f) { return f.host == it->host; });
    if (!seen) out.push_back(*it);
  }
  std::sort(out.begin(), out.end(),
            [](const FactsRecord& a, const FactsRecord& b) { return a.host < b.host; });
  return out;
}

}  // namespace tend
