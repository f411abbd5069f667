#pragma once

// Running SQL for the postgresql_* modules: psql on the target (the task
// becomes the postgres user, so peer authentication applies), SQL on stdin so
// passwords never appear in a process list, secrets scrubbed from errors.

#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/framework/module.h"

namespace tend {

/// The login_* / port / ssl_mode arguments every postgresql_* module takes.
std::vector<ArgSpec> PostgresConnectionArgs();

class Psql {
 public:
  /// `database`: the database to connect to ("" = login_user's default).
  Psql(ModuleContext& context, std::string database);

  /// Values that must never appear in results (passwords); replaced by ********.
  void AddSecret(std::string secret);
  /// Runs statements (ON_ERROR_STOP); stdout as psql printed it (-A -t -q).
  Expected<std::string> Execute(const std::string& sql);
  /// Rows of a SELECT as JSON objects (json_agg over the query).
  Expected<Json> Rows(const std::string& select);
  /// The argv used (for messages; holds no secrets).
  std::vector<std::string> Argv() const;
  std::string Redact(std::string text) const;

 private:
  ModuleContext& context_;
  std::string database_;
  std::vector<std::string> secrets_;
};

}  // namespace tend
