#include "controller/records/records_location.h"

#include <cstdlib>

#include "controller/records/postgres_db.h"
#include "controller/records/sqlite_db.h"

namespace tend {
namespace {

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

RecordsLocation ResolveRecords(const std::string& given, const std::string& xdg_state,
                               const std::string& home) {
  using enum RecordsLocation::Kind;
  if (given == "off" || given == "false" || given == "no") return {kOff, ""};
  if (given.starts_with("postgresql://") || given.starts_with("postgres://")) {
    return {kPostgres, given};
  }
  if (!given.empty()) {
    if (given.starts_with("~/") && !home.empty()) return {kSqlite, home + given.substr(1)};
    return {kSqlite, given};
  }
  // The XDG base directory spec: a relative $XDG_STATE_HOME is ignored.
  if (xdg_state.starts_with("/")) return {kSqlite, xdg_state + "/tend/records.db"};
  if (home.empty()) return {kOff, ""};
  return {kSqlite, home + "/.local/state/tend/records.db"};
}

RecordsLocation ResolveRecords(const std::string& given) {
  return ResolveRecords(given, EnvOr("XDG_STATE_HOME"), EnvOr("HOME"));
}

Expected<std::unique_ptr<RecordStore>> OpenRecords(const RecordsLocation& where) {
  Expected<std::unique_ptr<SqlDb>> db = Fail("run records are off (--records off)");
  if (where.kind == RecordsLocation::Kind::kSqlite) db = OpenSqlite(where.where);
  if (where.kind == RecordsLocation::Kind::kPostgres) db = OpenPostgres(where.where);
  if (!db) return std::unexpected(db.error());
  return OpenSqlStore(std::move(*db));
}

}  // namespace tend
