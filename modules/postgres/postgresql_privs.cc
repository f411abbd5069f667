#include <fmt/format.h>

#include <set>

#include "modules/framework/all.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/psql.h"
#include "modules/postgres/postgresql_user.h"

namespace tend {
namespace {

std::vector<std::string> SplitList(const std::string& text, char separator) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t at = text.find(separator, start);
    std::string item = text.substr(start, at - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    start = at == std::string::npos ? text.size() + 1 : at + 1;
  }
  return out;
}

struct Kind {
  const char* type;
  const char* acl_kind;  // acldefault()'s object type letter
  std::vector<std::string> all;
};

const Kind* FindKind(const std::string& type) {
  static const std::vector<Kind> kinds{
      {"table", "r", {"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"}},
      {"sequence", "s", {"USAGE", "SELECT", "UPDATE"}},
      {"database", "d", {"CREATE", "CONNECT", "TEMPORARY"}},
      {"schema", "n", {"USAGE", "CREATE"}}};
  for (const auto& k : kinds) {
    if (type == k.type) return &k;
  }
  return nullptr;
}

// Current grants as rows {obj, grantee, priv, grantable}; PUBLIC for grantee 0.
std::string AclQuery(const Kind& kind, const std::string& schema, const std::vector<std::string>& objs) {
  std::string names;
  for (const auto& o : objs) names += (names.empty() ? "" : ", ") + QuoteLiteral(o);
  std::string tail = "LEFT JOIN pg_roles r ON r.oid = a.grantee";
  std::string cols = "coalesce(r.rolname, 'PUBLIC') AS grantee, a.privilege_type AS priv, a.is_grantable AS grantable";
  std::string type = kind.type;
  if (type == "database") {
    return fmt::format("SELECT d.datname AS obj, {} FROM pg_database d, aclexplode(coalesce(d.datacl, "
                       "acldefault('d', d.datdba))) a {} WHERE d.datname IN ({})", cols, tail, names);
  }
  if (type == "schema") {
    return fmt::format("SELECT n.nspname AS obj, {} FROM pg_namespace n, aclexplode(coalesce(n.nspacl, "
                       "acldefault('n', n.nspowner))) a {} WHERE n.nspname IN ({})", cols, tail, names);
  }
  return fmt::format("SELECT c.relname AS obj, {} FROM pg_class c JOIN pg_namespace n ON n.oid = "
                     "c.relnamespace, aclexplode(coalesce(c.relacl, acldefault('{}', c.relowner))) a {} "
                     "WHERE n.nspname = {} AND c.relname IN ({})",
                     cols, kind.acl_kind, tail, QuoteLiteral(schema), names);
}

// The objects of ALL_IN_SCHEMA.
Expected<std::vector<std::string>> AllInSchema(Psql& psql, const Kind& kind, const std::string& schema) {
  std::string relkinds = std::string(kind.type) == "sequence" ? "'S'" : "'r', 'v', 'm', 'p', 'f'";
  auto rows = psql.Rows(fmt::format("SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = "
                                    "c.relnamespace WHERE n.nspname = {} AND c.relkind IN ({}) ORDER BY 1",
                                    QuoteLiteral(schema), relkinds));
  if (!rows) return std::unexpected(rows.error());
  std::vector<std::string> names;
  for (const auto& r : *rows) names.push_back(r["name"]);
  return names;
}

}  // namespace

bool PrivilegesSatisfied(const Json& current, const std::vector<std::string>& objs,
                         const std::vector<std::string>& roles, const std::vector<std::string>& privs,
                         bool present, bool grant_option) {
  std::set<std::string> held, grantable;
  for (const auto& row : current) {
    std::string key = row["obj"].get<std::string>() + "|" + row["grantee"].get<std::string>() + "|" +
                      row["priv"].get<std::string>();
    held.insert(key);
    if (row["grantable"] == true) grantable.insert(key);
  }
  for (const auto& obj : objs) {
    for (const auto& role : roles) {
      for (const auto& priv : privs) {
        std::string key = obj + "|" + role + "|" + priv;
        bool has = grant_option ? grantable.contains(key) : held.contains(key);
        if (present != has) return false;
      }
    }
  }
  return true;
}

const ModuleSpec& PostgresqlPrivsSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "postgresql_privs",
        .short_description = "Grant or revoke privileges on PostgreSQL database objects",
        .args = {{.name = "database", .type = ArgType::kStr, .required = true, .aliases = {"db", "login_db"}},
                 {.name = "state", .type = ArgType::kStr, .default_value = "present", .choices = {"absent", "present"}},
                 {.name = "privs", .type = ArgType::kStr, .aliases = {"priv"}},
                 {.name = "type",
                  .type = ArgType::kStr,
                  .default_value = "table",
                  .choices = {"database", "default_privs", "foreign_data_wrapper", "foreign_server", "function",
                              "group", "language", "table", "tablespace", "schema", "sequence", "type", "procedure"}},
                 {.name = "objs", .type = ArgType::kStr, .aliases = {"obj"}},
                 {.name = "schema", .type = ArgType::kStr},
                 {.name = "roles", .type = ArgType::kStr, .required = true, .aliases = {"role"}},
                 {.name = "target_roles", .type = ArgType::kStr},
                 {.name = "grant_option", .type = ArgType::kBool, .aliases = {"admin_option"}},
                 {.name = "fail_on_role", .type = ArgType::kBool, .default_value = true},
                 {.name = "usage_on_types", .type = ArgType::kBool, .default_value = true},
                 {.name = "password", .type = ArgType::kStr, .default_value = "", .no_log = true}},
        .returns = {"queries"},
    };
    for (auto& a : PostgresConnectionArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunPostgresqlPrivs(ModuleContext& context) {
  std::string type = context.Str("type");
  const Kind* kind = FindKind(type);
  if (!kind) return Fail(fmt::format("type={} is not supported by the agent yet (database, schema, table, sequence)", type));
  std::string database = context.Str("database");
  std::vector<std::string> objs = SplitList(context.Str("objs"), ',');
  if (type == "database" && objs.empty()) objs = {database};
  if (objs.empty()) return Fail("Argument objs is required for type " + type);
  std::string schema = context.Str("schema", "public");
  Psql psql(context, database);
  if ((type == "table" || type == "sequence") && objs == std::vector<std::string>{"ALL_IN_SCHEMA"}) {
    auto all = AllInSchema(psql, *kind, schema);
    if (!all) return std::unexpected(all.error());
    objs = *all;
  }
  std::vector<std::string> privs;
  for (auto p : SplitList(context.Str("privs"), ',')) {
    for (char& c : p) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (p == "TEMP") p = "TEMPORARY";
    if (p == "ALL" || p == "ALL PRIVILEGES") privs.insert(privs.end(), kind->all.begin(), kind->all.end());
    else privs.push_back(p);
  }
  if (privs.empty()) return Fail("Argument privs is required for type " + type);
  std::vector<std::string> roles = SplitList(context.Str("roles"), ',');
  Json result{{"changed", false}, {"queries", Json::array()}};
  if (objs.empty()) return result;
  auto current = psql.Rows(AclQuery(*kind, schema, objs));
  if (!current) return std::unexpected(current.error());
  bool present = context.Str("state") == "present";
  bool grant_option = context.Bool("grant_option");
  if (PrivilegesSatisfied(*current, objs, roles, privs, present, grant_option && present)) return result;
  std::string priv_list, obj_list, role_list;
  for (const auto& p : privs) priv_list += (priv_list.empty() ? "" : ", ") + p;
  for (const auto& o : objs) {
    std::string quoted = (type == "table" || type == "sequence") ? QuoteIdent(schema) + "." + QuoteIdent(o) : QuoteIdent(o);
    obj_list += (obj_list.empty() ? "" : ", ") + quoted;
  }
  for (const auto& r : roles) role_list += (role_list.empty() ? "" : ", ") + (r == "PUBLIC" ? r : QuoteIdent(r));
  std::string on = type == "table" ? "TABLE" : (type == "sequence" ? "SEQUENCE" : (type == "database" ? "DATABASE" : "SCHEMA"));
  std::string sql = present ? fmt::format("GRANT {} ON {} {} TO {}{}", priv_list, on, obj_list, role_list,
                                          grant_option ? " WITH GRANT OPTION" : "")
                            : fmt::format("REVOKE {} ON {} {} FROM {}", priv_list, on, obj_list, role_list);
  result["queries"].push_back(sql);
  result["changed"] = true;
  if (context.check) return result;
  if (auto ran = psql.Execute(sql + ";\n"); !ran) return std::unexpected(ran.error());
  return result;
}

}  // namespace tend
