#include "modules/postgres/psql.h"

#include <fmt/format.h>

#include "modules/parsers/netpg_parsers.h"
#include "modules/framework/text.h"

namespace tend {

std::vector<ArgSpec> PostgresConnectionArgs() {
  return {{.name = "login_user", .type = ArgType::kStr, .default_value = "postgres", .aliases = {"login"}},
          {.name = "login_password", .type = ArgType::kStr, .default_value = "", .no_log = true},
          {.name = "login_host", .type = ArgType::kStr, .default_value = "", .aliases = {"host"}},
          {.name = "login_unix_socket", .type = ArgType::kStr, .default_value = "", .aliases = {"unix_socket"}},
          {.name = "port", .type = ArgType::kInt, .default_value = 5432, .aliases = {"login_port"}},
          {.name = "ssl_mode",
           .type = ArgType::kStr,
           .default_value = "prefer",
           .choices = {"allow", "disable", "prefer", "require", "verify-ca", "verify-full"}},
          {.name = "ca_cert", .type = ArgType::kStr, .aliases = {"ssl_rootcert"}},
          {.name = "ssl_cert", .type = ArgType::kPath},
          {.name = "ssl_key", .type = ArgType::kPath},
          {.name = "session_role", .type = ArgType::kStr},
          {.name = "connect_params", .type = ArgType::kDict, .default_value = Json::object()},
          {.name = "trust_input", .type = ArgType::kBool, .default_value = true}};
}

Psql::Psql(ModuleContext& context, std::string database)
    : context_(context), database_(std::move(database)) {
  if (context.Has("login_password") && !context.Str("login_password").empty())
    secrets_.push_back(context.Str("login_password"));
}

void Psql::AddSecret(std::string secret) {
  if (!secret.empty()) secrets_.push_back(std::move(secret));
}

std::vector<std::string> Psql::Argv() const {
  std::vector<std::string> argv{"psql", "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1"};
  std::string host = context_.Str("login_unix_socket");
  if (host.empty()) host = context_.Str("login_host");
  if (!host.empty()) argv.insert(argv.end(), {"-h", host});
  argv.insert(argv.end(), {"-p", std::to_string(context_.Int("port", 5432))});
  argv.insert(argv.end(), {"-U", context_.Str("login_user", "postgres")});
  if (!database_.empty()) argv.insert(argv.end(), {"-d", database_});
  argv.insert(argv.end(), {"-f", "-"});
  return argv;
}

std::string Psql::Redact(std::string text) const {
  for (const auto& secret : secrets_) {
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 8))
      text.replace(at, secret.size(), "********");
  }
  return text;
}

Expected<std::string> Psql::Execute(const std::string& sql) {
  ProcessSpec spec{.argv = Argv(), .stdin_data = sql, .cwd = {}, .env = {}};
  // libpq reads these; the password never goes on a command line.
  if (!context_.Str("login_password").empty()) spec.env["PGPASSWORD"] = context_.Str("login_password");
  spec.env["PGSSLMODE"] = context_.Str("ssl_mode", "prefer");
  spec.env["PGAPPNAME"] = "tend";
  if (context_.Has("ca_cert")) spec.env["PGSSLROOTCERT"] = context_.Str("ca_cert");
  if (context_.Has("ssl_cert")) spec.env["PGSSLCERT"] = context_.Str("ssl_cert");
  if (context_.Has("ssl_key")) spec.env["PGSSLKEY"] = context_.Str("ssl_key");
  if (context_.Has("session_role"))
    spec.stdin_data = "SET ROLE " + QuoteIdent(context_.Str("session_role")) + ";\n" + sql;
  auto ran = context_.Machine().Run(spec);
  if (!ran) {
    return Fail(fmt::format("could not run psql ({}); is the PostgreSQL client installed?",
                            ran.error().message));
  }
  if (ran->rc != 0) {
    return Fail(Redact(std::string(StripTrailingNewlines(ran->stderr_data.empty() ? ran->stdout_data : ran->stderr_data))));
  }
  return ran->stdout_data;
}

Expected<Json> Psql::Rows(const std::string& select) {
  auto out = Execute(fmt::format("SELECT coalesce(json_agg(t), '[]'::json) FROM ({}) t;\n", select));
  if (!out) return std::unexpected(out.error());
  Json rows = Json::parse(StripTrailingNewlines(*out), nullptr, false);
  if (rows.is_discarded()) return Fail(fmt::format("unexpected psql output: {}", Redact(*out)));
  return rows;
}

}  // namespace tend
