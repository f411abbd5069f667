#pragma once

#include <memory>
#include <string>

#include "controller/records/sql_db.h"

namespace tend {

/// Connects to the PostgreSQL server a `postgresql://` (or `postgres://`)
/// URL names, failing after `timeout_seconds` when nothing answers.
Expected<std::unique_ptr<SqlDb>> OpenPostgres(const std::string& url, int timeout_seconds = 5);

/// `url` without its password, for messages.
std::string HidePassword(const std::string& url);

}  // namespace tend
