#include "controller/records/postgres_db.h"

#include <fmt/format.h>
#include <libpq-fe.h>

namespace tend {
namespace {

// "a = ? AND b = ?" → "a = $1 AND b = $2" (our statements hold no literal '?').
std::string NumberPlaceholders(const std::string& sql) {
  std::string out;
  int n = 0;
  for (char c : sql) {
    if (c == '?') {
      out += fmt::format("${}", ++n);
    } else {
      out += c;
    }
  }
  return out;
}

// libpq's messages span lines ("...failed: Connection refused\n\tIs the
// server running..."); a warning is one line.
std::string Trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += ' ';
    } else if (c != '\t') {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> AsText(const SqlValue& value) {
  if (const auto* i = std::get_if<int64_t>(&value)) return std::to_string(*i);
  if (const auto* d = std::get_if<double>(&value)) return fmt::format("{}", *d);
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  return std::nullopt;
}

class PostgresDb : public SqlDb {
 public:
  PostgresDb(PGconn* conn, std::string where) : conn_(conn), where_(std::move(where)) {}
  ~PostgresDb() override { PQfinish(conn_); }

  Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                      const std::vector<SqlValue>& params) override {
    std::vector<std::optional<std::string>> texts;
    for (const auto& p : params) texts.push_back(AsText(p));
    std::vector<const char*> values;
    for (const auto& t : texts) values.push_back(t ? t->c_str() : nullptr);
    PGresult* res = PQexecParams(conn_, NumberPlaceholders(sql).c_str(),
                                 static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                                 nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Fail(fmt::format("{}: {}", where_, Trimmed(PQresultErrorMessage(res))));
    }
    std::vector<SqlRow> rows;
    for (int r = 0; r < PQntuples(res); ++r) {
      SqlRow row;
      for (int c = 0; c < PQnfields(res); ++c) {
        if (PQgetisnull(res, r, c)) {
          row.push_back(std::nullopt);
        } else {
          row.emplace_back(std::string(PQgetvalue(res, r, c),
                                       static_cast<size_t>(PQgetlength(res, r, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  // One migrating controller at a time: the lock ends with the transaction.
  Expected<void> BeginExclusive() override {
    if (auto ok = Exec("BEGIN"); !ok) return ok;
    return Exec("SELECT pg_advisory_xact_lock(7436584)");
  }
  std::string IdColumn() const override { return "BIGSERIAL PRIMARY KEY"; }
  std::string Describe() const override { return where_; }

 private:
  PGconn* conn_;
  std::string where_;
};

}  // namespace

std::string HidePassword(const std::string& url) {
  size_t scheme = url.find("://");
  size_t at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  size_t colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

Expected<std::unique_ptr<SqlDb>> OpenPostgres(const std::string& url, int timeout_seconds) {
  std::string where = HidePassword(url);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  std::string timeout = std::to_string(timeout_seconds);
  const char* values[] = {url.c_str(), timeout.c_str(), "tend", nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Fail(fmt::format("{}: {}", where, why));
  }
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<SqlDb>(std::make_unique<PostgresDb>(conn, where));
}

}  // namespace tend
