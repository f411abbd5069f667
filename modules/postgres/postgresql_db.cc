#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/psql.h"

namespace tend {
namespace {

std::string NormalizeEncoding(std::string text) {
  std::string out;
  for (char c : text) {
    if (c != '-' && c != '_') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

Expected<std::optional<Json>> FindDatabase(Psql& psql, const std::string& name) {
  auto rows = psql.Rows(fmt::format(
      "SELECT d.datname AS name, pg_get_userbyid(d.datdba) AS owner, "
      "pg_encoding_to_char(d.encoding) AS encoding, d.datcollate AS lc_collate, "
      "d.datctype AS lc_ctype, d.datconnlimit AS conn_limit, t.spcname AS tablespace "
      "FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace WHERE d.datname = {}",
      QuoteLiteral(name)));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return (*rows)[0];
}

std::string CreateStatement(ModuleContext& context, const std::string& name) {
  std::string sql = "CREATE DATABASE " + QuoteIdent(name);
  if (!context.Str("owner").empty()) sql += " OWNER " + QuoteIdent(context.Str("owner"));
  if (!context.Str("template").empty()) sql += " TEMPLATE " + QuoteIdent(context.Str("template"));
  if (!context.Str("encoding").empty()) sql += " ENCODING " + QuoteLiteral(context.Str("encoding"));
  if (!context.Str("lc_collate").empty()) sql += " LC_COLLATE " + QuoteLiteral(context.Str("lc_collate"));
  if (!context.Str("lc_ctype").empty()) sql += " LC_CTYPE " + QuoteLiteral(context.Str("lc_ctype"));
  if (!context.Str("conn_limit").empty()) sql += " CONNECTION LIMIT " + std::to_string(std::stoi(context.Str("conn_limit")));
  if (!context.Str("tablespace").empty()) sql += " TABLESPACE " + QuoteIdent(context.Str("tablespace"));
  return sql;
}

// What must change on an existing database; settings fixed at creation fail.
Expected<std::vector<std::string>> AlterStatements(ModuleContext& context, const std::string& name,
                                                   const Json& current) {
  struct Fixed {
    const char* arg;
    const char* column;
    const char* label;
  };
  for (const Fixed& f : {Fixed{"encoding", "encoding", "encoding"},
                         Fixed{"lc_collate", "lc_collate", "LC_COLLATE"},
                         Fixed{"lc_ctype", "lc_ctype", "LC_CTYPE"}}) {
    std::string wanted = context.Str(f.arg);
    std::string have = current[f.column].get<std::string>();
    bool same = std::string(f.arg) == "encoding" ? NormalizeEncoding(wanted) == NormalizeEncoding(have)
                                                 : wanted == have;
    if (!wanted.empty() && !same) {
      return Fail(fmt::format("Changing database {} is not supported. Current {}: {}", f.label, f.label, have));
    }
  }
  std::vector<std::string> sql;
  std::string owner = context.Str("owner");
  if (!owner.empty() && owner != current["owner"].get<std::string>())
    sql.push_back(fmt::format("ALTER DATABASE {} OWNER TO {}", QuoteIdent(name), QuoteIdent(owner)));
  std::string limit = context.Str("conn_limit");
  if (!limit.empty() && std::stoi(limit) != current["conn_limit"].get<int>())
    sql.push_back(fmt::format("ALTER DATABASE {} CONNECTION LIMIT {}", QuoteIdent(name), std::stoi(limit)));
  std::string space = context.Str("tablespace");
  if (!space.empty() && space != current["tablespace"].get<std::string>())
    sql.push_back(fmt::format("ALTER DATABASE {} SET TABLESPACE {}", QuoteIdent(name), QuoteIdent(space)));
  return sql;
}

// pg_dump / restore through psql or pg_restore by the target's suffix.
Expected<Json> DumpOrRestore(ModuleContext& context, Psql& psql, Json result) {
  std::string target = context.Str("target");
  if (target.empty()) return Fail("target is required for state=dump and state=restore");
  bool dump = context.Str("state") == "dump";
  bool archive = target.ends_with(".tar") || target.ends_with(".pgc") || target.ends_with(".dump");
  if (target.ends_with(".gz") || target.ends_with(".bz2") || target.ends_with(".xz"))
    return Fail("compressed dump targets are not supported by the agent yet");
  std::vector<std::string> argv = psql.Argv();
  std::vector<std::string> connection(argv.begin() + 7, argv.end() - 2);  // -h/-p/-U/-d
  std::vector<std::string> command;
  if (dump) {
    command = {"pg_dump"};
    if (target.ends_with(".tar")) command.push_back("--format=t");
    if (target.ends_with(".pgc") || target.ends_with(".dump")) command.push_back("--format=c");
    command.insert(command.end(), connection.begin(), connection.end());
    command.insert(command.end(), {"-f", target});
  } else {
    command = archive ? std::vector<std::string>{"pg_restore"} : std::vector<std::string>{"psql", "-X", "-q"};
    command.insert(command.end(), connection.begin(), connection.end());
    if (archive) command.push_back(target);
    else command.insert(command.end(), {"-f", target});
  }
  std::string extra = context.Str("target_opts");
  if (!extra.empty()) command.push_back(extra);
  result["changed"] = true;
  std::string line;
  for (const auto& a : command) line += (line.empty() ? "" : " ") + a;
  result["executed_commands"].push_back(line);
  if (context.check) return result;
  ProcessSpec spec{.argv = command, .stdin_data = {}, .cwd = {}, .env = {}};
  if (!context.Str("login_password").empty()) spec.env["PGPASSWORD"] = context.Str("login_password");
  auto ran = context.Machine().Run(spec);
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) return Fail(psql.Redact(ran->stderr_data));
  return result;
}

}  // namespace

const ModuleSpec& PostgresqlDbSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "postgresql_db",
        .short_description = "Add or remove PostgreSQL databases",
        .args = {{.name = "name", .type = ArgType::kStr, .required = true, .aliases = {"db"}},
                 {.name = "state",
                  .type = ArgType::kStr,
                  .default_value = "present",
                  .choices = {"absent", "dump", "present", "rename", "restore"}},
                 {.name = "owner", .type = ArgType::kStr, .default_value = ""},
                 {.name = "template", .type = ArgType::kStr, .default_value = ""},
                 {.name = "encoding", .type = ArgType::kStr, .default_value = ""},
                 {.name = "lc_collate", .type = ArgType::kStr, .default_value = ""},
                 {.name = "lc_ctype", .type = ArgType::kStr, .default_value = ""},
                 {.name = "conn_limit", .type = ArgType::kStr, .default_value = ""},
                 {.name = "tablespace", .type = ArgType::kPath, .default_value = ""},
                 {.name = "maintenance_db", .type = ArgType::kStr, .default_value = "postgres"},
                 {.name = "target", .type = ArgType::kPath, .default_value = ""},
                 {.name = "target_opts", .type = ArgType::kStr, .default_value = ""},
                 {.name = "dump_extra_args", .type = ArgType::kStr},
                 {.name = "force", .type = ArgType::kBool, .default_value = false}},
        .returns = {"db", "executed_commands"},
    };
    for (auto& a : PostgresConnectionArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunPostgresqlDb(ModuleContext& context) {
  std::string name = context.Str("name");
  std::string state = context.Str("state");
  if (state == "rename") return Fail("state=rename is not supported by the agent yet");
  Psql psql(context, context.Str("maintenance_db", "postgres"));
  Json result{{"changed", false}, {"db", name}, {"executed_commands", Json::array()}};
  auto current = FindDatabase(psql, name);
  if (!current) return std::unexpected(current.error());
  if (state == "dump" || state == "restore") {
    if (!*current && state == "dump") return Fail(fmt::format("database \"{}\" does not exist", name));
    Psql target(context, name);
    return DumpOrRestore(context, target, std::move(result));
  }
  std::vector<std::string> sql;
  if (state == "absent") {
    if (*current) sql.push_back("DROP DATABASE " + QuoteIdent(name) + (context.Bool("force") ? " WITH (FORCE)" : ""));
  } else if (!*current) {
    sql.push_back(CreateStatement(context, name));
  } else {
    auto alter = AlterStatements(context, name, **current);
    if (!alter) return std::unexpected(alter.error());
    sql = std::move(*alter);
  }
  for (const auto& s : sql) result["executed_commands"].push_back(s);
  result["changed"] = !sql.empty();
  if (context.check) return result;
  // One statement per psql input line: CREATE/DROP DATABASE refuse transaction blocks.
  for (const auto& s : sql) {
    if (auto ran = psql.Execute(s + ";\n"); !ran) return std::unexpected(ran.error());
  }
  return result;
}

}  // namespace tend
