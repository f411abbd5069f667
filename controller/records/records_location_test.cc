#include "controller/records/records_location.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("where records go") {
  using enum RecordsLocation::Kind;
  struct Case {
    std::string given, xdg, home;
    RecordsLocation::Kind kind;
    std::string where;
  };
  const Case cases[] = {
      {"", "", "/home/ops", kSqlite, "/home/ops/.local/state/tend/records.db"},
      {"", "/var/state", "/home/ops", kSqlite, "/var/state/tend/records.db"},
      {"", "relative", "/home/ops", kSqlite, "/home/ops/.local/state/tend/records.db"},
      {"off", "", "/home/ops", kOff, ""},
      {"/srv/runs.db", "", "/home/ops", kSqlite, "/srv/runs.db"},
      {"~/runs.db", "", "/home/ops", kSqlite, "/home/ops/runs.db"},
      {"postgresql://tend@db/records", "", "", kPostgres, "postgresql://tend@db/records"},
      {"postgres://db/records", "", "", kPostgres, "postgres://db/records"},
      {"", "", "", kOff, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.given);
    RecordsLocation got = ResolveRecords(c.given, c.xdg, c.home);
    CHECK(got.kind == c.kind);
    CHECK(got.where == c.where);
  }
}

}  // namespace
}  // namespace tend
