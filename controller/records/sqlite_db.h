#pragma once

#include <memory>
#include <string>

#include "controller/records/sql_db.h"

namespace tend {

/// Opens (creating it and its directory) the SQLite file at `path`, in WAL
/// mode so a reader never blocks the run writing it; a writer waits at most
/// `busy_ms` for a lock before the statement fails.
Expected<std::unique_ptr<SqlDb>> OpenSqlite(const std::string& path, int busy_ms = 2000);

}  // namespace tend
