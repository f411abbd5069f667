// RecordStore over SQL: the same statements for SQLite and PostgreSQL.

#include <fmt/format.h>

#include "controller/records/record_store.h"
#include "controller/records/schema.h"
#include "core/strings.h"

namespace tend {
namespace {

constexpr const char* kRunColumns =
    "id, command, command_line, user_name, controller, started_ms, finished_ms, exit_code, "
    "sources, recap";
constexpr const char* kResultColumns =
    "seq, play, task, module, host, status, changed, ignored, started_ms, seconds, result";

std::string Text(const SqlRow& row, size_t i) { return row[i].value_or(""); }
int64_t Int(const SqlRow& row, size_t i) { return row[i] ? std::stoll(*row[i]) : 0; }
Json ParsedJson(const SqlRow& row, size_t i, Json fallback) {
  if (!row[i]) return fallback;
  Json parsed = Json::parse(*row[i], nullptr, false);
  return parsed.is_discarded() ? fallback : parsed;
}

Json SourcesJson(const std::vector<RunSource>& sources) {
  Json out = Json::array();
  for (const auto& s : sources) out.push_back({{"kind", s.kind}, {"path", s.path}, {"commit", s.commit}});
  return out;
}

RunInfo RunFromRow(const SqlRow& row) {
  RunInfo info;
  info.id = Int(row, 0);
  info.command = Text(row, 1);
  info.command_line = Text(row, 2);
  info.user = Text(row, 3);
  info.controller = Text(row, 4);
  info.started_ms = Int(row, 5);
  if (row[6]) info.finished_ms = Int(row, 6);
  if (row[7]) info.exit_code = static_cast<int>(Int(row, 7));
  for (const auto& s : ParsedJson(row, 8, Json::array())) {
    info.sources.push_back(
        {s.value("kind", ""), s.value("path", ""), s.value("commit", "")});
  }
  info.recap = ParsedJson(row, 9, Json::object());
  return info;
}

TaskRecord ResultFromRow(const SqlRow& row, size_t at) {
  TaskRecord r;
  r.seq = Int(row, at);
  r.play = Text(row, at + 1);
  r.task = Text(row, at + 2);
  r.module = Text(row, at + 3);
  r.host = Text(row, at + 4);
  r.status = Text(row, at + 5);
  r.changed = Int(row, at + 6) != 0;
  r.ignored = Int(row, at + 7) != 0;
  r.started_ms = Int(row, at + 8);
  r.seconds = row[at + 9] ? std::stod(*row[at + 9]) : 0;
  r.result = ParsedJson(row, at + 10, Json::object());
  return r;
}

class SqlRecordStore : public RecordStore {
 public:
  explicit SqlRecordStore(std::unique_ptr<SqlDb> db) : db_(std::move(db)) {}

  Expected<int64_t> BeginRun(const RunInfo& i) override {
    auto rows = db_->Query(
        "INSERT INTO runs (command, command_line, user_name, controller, started_ms, sources) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        {i.command, i.command_line, i.user, i.controller, i.started_ms,
         SourcesJson(i.sources).dump()});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return Fail(db_->Describe() + ": the new run got no id");
    return Int(rows->front(), 0);
  }

  Expected<void> AddResult(int64_t run, const TaskRecord& r) override {
    return db_->Exec(
        fmt::format("INSERT INTO results (run_id, {}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    kResultColumns),
        {run, r.seq, r.play, r.task, r.module, r.host, r.status, int64_t{r.changed},
         int64_t{r.ignored}, r.started_ms, r.seconds,
         r.result.dump(-1, ' ', false, Json::error_handler_t::replace)});
  }

  Expected<void> AddFacts(const FactsRecord& f) override {
    return db_->Exec(
        "INSERT INTO facts (run_id, host, gathered_ms, facts) VALUES (?, ?, ?, ?)",
        {f.run_id, f.host, f.gathered_ms,
         f.facts.dump(-1, ' ', false, Json::error_handler_t::replace)});
  }

  Expected<void> FinishRun(int64_t run, int64_t finished_ms, int exit_code,
                           const Json& recap) override {
    return db_->Exec("UPDATE runs SET finished_ms = ?, exit_code = ?, recap = ? WHERE id = ?",
                     {finished_ms, int64_t{exit_code}, recap.dump(), run});
  }

  Expected<std::vector<RunSummaryRow>> ListRuns(int limit) override {
    auto rows = db_->Query(
        fmt::format("SELECT {} FROM runs ORDER BY id DESC LIMIT ?", kRunColumns), {int64_t{limit}});
    if (!rows) return std::unexpected(rows.error());
    std::vector<RunSummaryRow> out;
    for (const auto& row : *rows) {
      RunSummaryRow s{RunFromRow(row), Json::object()};
      auto counts = db_->Query(
          "SELECT host, status, COUNT(*) FROM results WHERE run_id = ? GROUP BY host, status",
          {s.info.id});
      if (!counts) return std::unexpected(counts.error());
      for (const auto& c : *counts) {
        for (int64_t n = Int(c, 2); n > 0; --n) CountResult(s.counts, Text(c, 0), Text(c, 1));
      }
      out.push_back(std::move(s));
    }
    return out;
  }

  Expected<RunDetail> LoadRun(int64_t run) override {
    auto rows = db_->Query(fmt::format("SELECT {} FROM runs WHERE id = ?", kRunColumns), {run});
    if (!rows) return std::unexpected(rows.error());
    if (rows->empty()) return Fail(fmt::format("no run {} in {}", run, db_->Describe()));
    RunDetail d{RunFromRow(rows->front()), {}};
    auto results = db_->Query(
        fmt::format("SELECT {} FROM results WHERE run_id = ? ORDER BY seq", kResultColumns), {run});
    if (!results) return std::unexpected(results.error());
    for (const auto& r : *results) d.results.push_back(ResultFromRow(r, 0));
    return d;
  }

  Expected<std::vector<HostChange>> HostHistory(const std::string& host, int limit) override {
    auto rows = db_->Query(
        fmt::format("SELECT {}, {} FROM results JOIN runs ON runs.id = results.run_id "
                    "WHERE host = ? AND (changed = 1 OR status IN ('failed', 'unreachable')) "
                    "ORDER BY runs.id DESC, seq DESC LIMIT ?",
                    Prefixed("runs.", kRunColumns), Prefixed("results.", kResultColumns)),
        {host, int64_t{limit}});
    if (!rows) return std::unexpected(rows.error());
    std::vector<HostChange> out;
    for (const auto& row : *rows) out.push_back({RunFromRow(row), ResultFromRow(row, 10)});
    return out;
  }

  Expected<std::vector<FactsRecord>> FactHistory(const std::string& host) override {
    return Facts("SELECT run_id, host, gathered_ms, facts FROM facts WHERE host = ? "
                 "ORDER BY gathered_ms DESC, id DESC",
                 {host});
  }

  Expected<std::vector<FactsRecord>> LatestFacts() override {
    return Facts("SELECT f.run_id, f.host, f.gathered_ms, f.facts FROM facts f WHERE f.id = "
                 "(SELECT MAX(g.id) FROM facts g WHERE g.host = f.host) ORDER BY f.host",
                 {});
  }

 private:
  static std::string Prefixed(const std::string& prefix, std::string_view columns) {
    std::string out;
    size_t start = 0;
    while (start < columns.size()) {
      size_t comma = columns.find(',', start);
      if (comma == std::string_view::npos) comma = columns.size();
      std::string_view name = columns.substr(start, comma - start);
      name = TrimLeft(name);
      out += (out.empty() ? "" : ", ") + prefix + std::string(name);
      start = comma + 1;
    }
    return out;
  }

  Expected<std::vector<FactsRecord>> Facts(const std::string& sql,
                                           const std::vector<SqlValue>& params) {
    auto rows = db_->Query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    std::vector<FactsRecord> out;
    for (const auto& row : *rows) {
      out.push_back({Int(row, 0), Text(row, 1), Int(row, 2), ParsedJson(row, 3, Json::object())});
    }
    return out;
  }

  std::unique_ptr<SqlDb> db_;
};

}  // namespace

Expected<std::unique_ptr<RecordStore>> OpenSqlStore(std::unique_ptr<SqlDb> db) {
  if (auto ok = MigrateRecords(*db); !ok) return std::unexpected(ok.error());
  return std::unique_ptr<RecordStore>(std::make_unique<SqlRecordStore>(std::move(db)));
}

}  // namespace tend
