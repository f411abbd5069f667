#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/psql.h"
#include "modules/postgres/postgresql_user.h"

namespace tend {
namespace {

Expected<std::optional<Json>> FindRole(Psql& psql, const std::string& name) {
  // pg_authid holds the password hash (readable by superusers, which the
  // postgres login is); pg_roles only shows ********.
  auto rows = psql.Rows(fmt::format(
      "SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolinherit, "
      "r.rolcanlogin, r.rolreplication, r.rolbypassrls, r.rolconnlimit, "
      "r.rolvaliduntil::text AS rolvaliduntil, a.rolpassword, "
      "shobj_description(r.oid, 'pg_authid') AS comment, "
      "ARRAY(SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
      "WHERE m.member = r.oid) AS member_of "
      "FROM pg_roles r LEFT JOIN pg_authid a ON a.oid = r.oid WHERE r.rolname = {}",
      QuoteLiteral(name)));
  if (!rows) return std::unexpected(rows.error());
  if (rows->empty()) return std::nullopt;
  return (*rows)[0];
}

// Whether `expires` names the same instant as the stored rolvaliduntil
// (PostgreSQL compares, so time zones and formats agree).
Expected<bool> SameExpiry(Psql& psql, const std::string& name, const std::string& expires) {
  auto rows = psql.Rows(fmt::format(
      "SELECT coalesce(rolvaliduntil = {}::timestamptz, false) AS same FROM pg_roles WHERE rolname = {}",
      QuoteLiteral(expires), QuoteLiteral(name)));
  if (!rows) return std::unexpected(rows.error());
  return !rows->empty() && (*rows)[0]["same"] == true;
}

}  // namespace

Expected<RolePlan> PlanRole(const RoleRequest& want, const std::optional<Json>& current,
                            std::optional<bool> same_expiry) {
  RolePlan plan;
  auto flags = ParseRoleAttrFlags(want.role_attr_flags);
  if (!flags) return std::unexpected(flags.error());
  std::string attrs;
  for (const auto& [column, on] : *flags) {
    if (current && (*current)[column] == on) continue;
    std::string keyword = column.substr(3);  // rolcreatedb -> createdb
    if (column == "rolcanlogin") keyword = "login";
    if (column == "rolsuper") keyword = "superuser";
    for (char& c : keyword) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    attrs += (on ? " " : " NO") + keyword;
  }
  std::string password_clause, shown_clause;
  if (want.password && !want.no_password_changes) {
    std::string stored = current && (*current)["rolpassword"].is_string()
                             ? (*current)["rolpassword"].get<std::string>()
                             : "";
    bool same = current && PasswordMatches(stored, want.name, *want.password);
    if (!same && want.password->empty()) {
      password_clause = shown_clause = " PASSWORD NULL";
    } else if (!same) {
      password_clause = " ENCRYPTED PASSWORD " + QuoteLiteral(*want.password);
      shown_clause = " ENCRYPTED PASSWORD %(password)s";
    }
  }
  if (want.expires && !(current && same_expiry.value_or(false)))
    attrs += " VALID UNTIL " + QuoteLiteral(*want.expires);
  if (want.conn_limit && !(current && (*current)["rolconnlimit"] == *want.conn_limit))
    attrs += " CONNECTION LIMIT " + std::to_string(*want.conn_limit);
  std::string ident = QuoteIdent(want.name);
  if (!current) {
    plan.statements.push_back("CREATE USER " + ident + " WITH" + password_clause + attrs);
    plan.shown.push_back("CREATE USER " + ident + " WITH" + shown_clause + attrs);
  } else if (!password_clause.empty() || !attrs.empty()) {
    plan.statements.push_back("ALTER USER " + ident + " WITH" + password_clause + attrs);
    plan.shown.push_back("ALTER USER " + ident + " WITH" + shown_clause + attrs);
  }
  for (const auto& group : want.groups) {
    bool member = false;
    if (current) {
      for (const auto& g : (*current)["member_of"]) member = member || g == group;
    }
    if (!member) plan.statements.push_back(fmt::format("GRANT {} TO {}", QuoteIdent(group), ident));
  }
  if (want.comment) {
    Json have = current ? (*current)["comment"] : Json();
    if (!(have.is_string() && have == *want.comment))
      plan.statements.push_back(fmt::format("COMMENT ON ROLE {} IS {}", ident, QuoteLiteral(*want.comment)));
  }
  // Statements without secrets show as they run.
  for (size_t i = plan.shown.size(); i < plan.statements.size(); ++i) plan.shown.push_back(plan.statements[i]);
  return plan;
}

const ModuleSpec& PostgresqlUserSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "postgresql_user",
        .short_description = "Create, alter, or remove a user (role) from a PostgreSQL server instance",
        .args = {{.name = "name", .type = ArgType::kStr, .required = true, .aliases = {"user"}},
                 {.name = "password", .type = ArgType::kStr, .no_log = true},
                 {.name = "db", .type = ArgType::kStr, .default_value = "", .aliases = {"login_db"}},
                 {.name = "priv", .type = ArgType::kStr},
                 {.name = "fail_on_user", .type = ArgType::kBool, .default_value = true, .aliases = {"fail_on_role"}},
                 {.name = "role_attr_flags", .type = ArgType::kStr, .default_value = ""},
                 {.name = "encrypted", .type = ArgType::kBool, .default_value = true},
                 {.name = "expires", .type = ArgType::kStr},
                 {.name = "no_password_changes", .type = ArgType::kBool, .default_value = false},
                 {.name = "conn_limit", .type = ArgType::kInt},
                 {.name = "groups", .type = ArgType::kList},
                 {.name = "comment", .type = ArgType::kStr},
                 {.name = "state", .type = ArgType::kStr, .default_value = "present", .choices = {"absent", "present"}}},
        .returns = {"queries", "user", "user_removed"},
    };
    for (auto& a : PostgresConnectionArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunPostgresqlUser(ModuleContext& context) {
  std::string name = context.Str("name");
  if (context.Has("priv"))
    return Fail("priv is deprecated in community.postgresql and not supported by the agent; use postgresql_privs");
  Psql psql(context, context.Str("db"));
  if (context.Has("password")) psql.AddSecret(context.Str("password"));
  Json result{{"changed", false}, {"user", name}, {"queries", Json::array()}};
  auto current = FindRole(psql, name);
  if (!current) return std::unexpected(current.error());
  if (context.Str("state") == "absent") {
    if (!*current) return result;
    std::string sql = "DROP USER " + QuoteIdent(name);
    result["queries"].push_back(sql);
    result["changed"] = true;
    if (context.check) return result;
    if (auto ran = psql.Execute(sql + ";\n"); !ran) {
      if (context.Bool("fail_on_user", true))
        return Fail(fmt::format("Unable to remove user: {}", ran.error().message));
      result["changed"] = false;
      result["msg"] = fmt::format("Unable to remove user: {}", ran.error().message);
      return result;
    }
    result["user_removed"] = true;
    return result;
  }
  RoleRequest want{.name = name};
  if (context.Has("password")) want.password = context.Str("password");
  want.role_attr_flags = context.Str("role_attr_flags");
  want.no_password_changes = context.Bool("no_password_changes");
  if (context.Has("expires")) want.expires = context.Str("expires");
  if (context.Has("conn_limit")) want.conn_limit = context.Int("conn_limit");
  if (context.Has("groups")) want.groups = context.args["groups"].get<std::vector<std::string>>();
  if (context.Has("comment")) want.comment = context.Str("comment");
  std::optional<bool> same_expiry;
  if (want.expires && *current) {
    auto same = SameExpiry(psql, name, *want.expires);
    if (!same) return std::unexpected(same.error());
    same_expiry = *same;
  }
  auto plan = PlanRole(want, *current, same_expiry);
  if (!plan) return std::unexpected(plan.error());
  result["queries"] = plan->shown;
  result["changed"] = !plan->statements.empty();
  if (context.check || plan->statements.empty()) return result;
  std::string sql = "BEGIN;\n";
  for (const auto& s : plan->statements) sql += s + ";\n";
  if (auto ran = psql.Execute(sql + "COMMIT;\n"); !ran) return std::unexpected(ran.error());
  return result;
}

}  // namespace tend
