#include "controller/records/sqlite_db.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>

namespace tend {
namespace {

class SqliteDb : public SqlDb {
 public:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDb() override { sqlite3_close_v2(db_); }

  Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                      const std::vector<SqlValue>& params) override {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      return Failure();
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
    for (size_t i = 0; i < params.size(); ++i) Bind(stmt, static_cast<int>(i) + 1, params[i]);
    std::vector<SqlRow> rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) return rows;
      if (rc != SQLITE_ROW) return Failure();
      SqlRow row;
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        if (text == nullptr) {
          row.push_back(std::nullopt);
        } else {
          row.emplace_back(std::string(reinterpret_cast<const char*>(text),
                                       static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      rows.push_back(std::move(row));
    }
  }

  Expected<void> BeginExclusive() override { return Exec("BEGIN IMMEDIATE"); }
  std::string IdColumn() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }
  std::string Describe() const override { return path_; }

 private:
  static void Bind(sqlite3_stmt* stmt, int index, const SqlValue& value) {
    if (const auto* i = std::get_if<int64_t>(&value)) {
      sqlite3_bind_int64(stmt, index, *i);
    } else if (const auto* d = std::get_if<double>(&value)) {
      sqlite3_bind_double(stmt, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      sqlite3_bind_text(stmt, index, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt, index);
    }
  }
  std::unexpected<Error> Failure() const {
    return Fail(fmt::format("{}: {}", path_, sqlite3_errmsg(db_)));
  }

  sqlite3* db_;
  std::string path_;
};

}  // namespace

Expected<std::unique_ptr<SqlDb>> OpenSqlite(const std::string& path, int busy_ms) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Fail(fmt::format("{}: {}", path, why));
  }
  sqlite3_busy_timeout(db, busy_ms);
  auto out = std::make_unique<SqliteDb>(db, path);
  // NORMAL with WAL syncs at checkpoints, not per statement: a result costs
  // an append to the log, and a crash loses at most the last few, never the file.
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL",
                             "PRAGMA foreign_keys=ON"}) {
    if (auto ok = out->Exec(pragma); !ok) return std::unexpected(ok.error());
  }
  return std::unique_ptr<SqlDb>(std::move(out));
}

}  // namespace tend
