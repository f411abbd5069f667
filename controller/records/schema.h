#pragma once

// The records schema as a list of migrations: entry N takes a database from
// version N to N+1. Append, never edit: databases in the field hold the old
// steps already.

#include <string>
#include <vector>

#include "controller/records/sql_db.h"

namespace tend {

/// The statements of each migration; "{ID}" stands for the dialect's
/// auto-numbered primary key column type.
const std::vector<std::vector<std::string>>& RecordMigrations();

/// Brings `db` to the newest schema version in one exclusive transaction.
Expected<void> MigrateRecords(SqlDb& db);

}  // namespace tend
