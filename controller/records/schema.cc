#include "controller/records/schema.h"

#include <fmt/format.h>

namespace tend {
namespace {

std::string WithIdColumn(std::string sql, const std::string& id) {
  size_t at = sql.find("{ID}");
  if (at != std::string::npos) sql.replace(at, 4, id);
  return sql;
}

Expected<int> StoredVersion(SqlDb& db) {
  if (auto ok = db.Exec("CREATE TABLE IF NOT EXISTS tend_schema (version INTEGER NOT NULL)");
      !ok) {
    return std::unexpected(ok.error());
  }
  auto rows = db.Query("SELECT MAX(version) FROM tend_schema");
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty() || !rows->front()[0]) return 0;
  return std::stoi(*rows->front()[0]);
}

Expected<void> Apply(SqlDb& db) {
  auto version = StoredVersion(db);
  if (!version) return std::unexpected(version.error());
  const auto& steps = RecordMigrations();
  int newest = static_cast<int>(steps.size());
  if (*version > newest) {
    return Fail(fmt::format(
        "{}: the records were written by a newer tend (schema version {}, this tend knows {}); "
        "upgrade tend or use --records off",
        db.Describe(), *version, newest));
  }
  for (int v = *version; v < newest; ++v) {
    for (const auto& sql : steps[static_cast<size_t>(v)]) {
      if (auto ok = db.Exec(WithIdColumn(sql, db.IdColumn())); !ok) return ok;
    }
    if (auto ok = db.Exec("INSERT INTO tend_schema (version) VALUES (?)", {int64_t{v + 1}}); !ok) {
      return ok;
    }
  }
  return {};
}

}  // namespace

const std::vector<std::vector<std::string>>& RecordMigrations() {
  static const std::vector<std::vector<std::string>> steps = {
      {
          "CREATE TABLE runs (id {ID}, command TEXT NOT NULL, command_line TEXT NOT NULL, "
          "user_name TEXT NOT NULL, controller TEXT NOT NULL, started_ms BIGINT NOT NULL, "
          "finished_ms BIGINT, exit_code INTEGER, sources TEXT NOT NULL, recap TEXT)",
          "CREATE TABLE results (id {ID}, run_id BIGINT NOT NULL REFERENCES runs(id), "
          "seq BIGINT NOT NULL, play TEXT NOT NULL, task TEXT NOT NULL, module TEXT NOT NULL, "
          "host TEXT NOT NULL, status TEXT NOT NULL, changed INTEGER NOT NULL, "
          "ignored INTEGER NOT NULL, started_ms BIGINT NOT NULL, seconds DOUBLE PRECISION NOT "
          "NULL, result TEXT NOT NULL)",
          "CREATE INDEX results_run ON results (run_id, seq)",
          "CREATE INDEX results_host ON results (host, run_id)",
          "CREATE TABLE facts (id {ID}, run_id BIGINT NOT NULL REFERENCES runs(id), "
          "host TEXT NOT NULL, gathered_ms BIGINT NOT NULL, facts TEXT NOT NULL)",
          "CREATE INDEX facts_host ON facts (host, gathered_ms)",
      },
  };
  return steps;
}

Expected<void> MigrateRecords(SqlDb& db) {
  if (auto ok = db.BeginExclusive(); !ok) return ok;
  auto applied = Apply(db);
  if (!applied) {
    (void)db.Exec("ROLLBACK");
    return applied;
  }
  return db.Exec("COMMIT");
}

}  // namespace tend
