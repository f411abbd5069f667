#pragma once

// The seam under the run records: one SQL connection, SQLite or PostgreSQL.
// Statements are written once with `?` placeholders; each implementation
// binds them its own way, so the record store's SQL is shared.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"

namespace tend {

using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;
/// One row: each column as text, or nullopt for NULL.
using SqlRow = std::vector<std::optional<std::string>>;

class SqlDb {
 public:
  virtual ~SqlDb() = default;
  /// Runs one statement; rows it returns (RETURNING, SELECT) come back.
  virtual Expected<std::vector<SqlRow>> Query(const std::string& sql,
                                              const std::vector<SqlValue>& params = {}) = 0;
  /// Starts a transaction that no other writer can interleave with (schema
  /// migration: two controllers opening a fresh database at once).
  virtual Expected<void> BeginExclusive() = 0;
  /// The column type of an auto-numbered primary key.
  virtual std::string IdColumn() const = 0;
  /// Where the records live, for messages (a path or a URL without password).
  virtual std::string Describe() const = 0;

  Expected<void> Exec(const std::string& sql, const std::vector<SqlValue>& params = {}) {
    auto rows = Query(sql, params);
    if (!rows) return std::unexpected(rows.error());
    return {};
  }
};

}  // namespace tend
