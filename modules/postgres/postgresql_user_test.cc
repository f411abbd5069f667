#include <doctest/doctest.h>
#include <fmt/format.h>

#include <deque>

#include "modules/host/http_client.h"
#include "modules/host/network.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/postgresql_user.h"
#include "modules/testing/fake_network.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_network_test;

TEST_CASE("postgresql_user decisions") {
  Json role{{"rolname", "mlflow"}, {"rolsuper", false}, {"rolcreaterole", false}, {"rolcreatedb", false},
            {"rolinherit", true},  {"rolcanlogin", true}, {"rolreplication", false}, {"rolbypassrls", false},
            {"rolconnlimit", -1},  {"rolvaliduntil", nullptr}, {"rolpassword", Md5Password("mlflow", "pw")},
            {"comment", nullptr},  {"member_of", Json::array()}};
  RoleRequest want{.name = "mlflow", .password = "pw", .role_attr_flags = "LOGIN"};
  auto same = PlanRole(want, role, std::nullopt);
  REQUIRE(same);
  CHECK(same->statements.empty());
  auto created = PlanRole(want, std::nullopt, std::nullopt);
  REQUIRE(created);
  CHECK(created->statements == std::vector<std::string>{"CREATE USER \"mlflow\" WITH ENCRYPTED PASSWORD 'pw' LOGIN"});
  CHECK(created->shown == std::vector<std::string>{"CREATE USER \"mlflow\" WITH ENCRYPTED PASSWORD %(password)s LOGIN"});
  want.password = "new";
  want.role_attr_flags = "CREATEDB,NOLOGIN";
  want.conn_limit = 10;
  want.groups = {"readers"};
  auto altered = PlanRole(want, role, std::nullopt);
  REQUIRE(altered);
  CHECK(altered->shown == std::vector<std::string>{
                              "ALTER USER \"mlflow\" WITH ENCRYPTED PASSWORD %(password)s NOLOGIN CREATEDB CONNECTION LIMIT 10",
                              "GRANT \"readers\" TO \"mlflow\""});
  for (const auto& s : altered->shown) CHECK(s.find("new") == std::string::npos);
  want.no_password_changes = true;
  CHECK(PlanRole(want, role, std::nullopt)->shown[0].find("PASSWORD") == std::string::npos);
  CHECK(PlanRole({.name = "x", .role_attr_flags = "FLY"}, std::nullopt, std::nullopt).error().message ==
        "Invalid role_attr_flags specified: FLY");
}

TEST_CASE("postgresql_db and postgresql_user through psql; passwords stay out of results") {
  FakeHost host = NetHost();
  std::vector<std::string> stdin_seen;
  bool exists = false;
  host.OnRun([&](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
    std::string sql = spec.stdin_data.value_or("");
    stdin_seen.push_back(sql);
    if (sql.find("FROM pg_database") != std::string::npos) {
      return {0, exists ? R"([{"name":"mlflow","owner":"mlflow","encoding":"UTF8","lc_collate":"C.UTF-8","lc_ctype":"C.UTF-8","conn_limit":-1,"tablespace":"pg_default"}])" : "[]", ""};
    }
    if (sql.starts_with("CREATE DATABASE")) exists = true;
    if (sql.find("FROM pg_roles") != std::string::npos) return {0, "[]\n", ""};
    if (sql.find("CREATE USER") != std::string::npos)
      return {1, "", "ERROR:  syntax error\nLINE 2: CREATE USER \"u\" WITH ENCRYPTED PASSWORD 'hunter2'"};
    return {};
  });
  Json db_args{{"name", "mlflow"}, {"owner", "mlflow"}, {"encoding", "UTF-8"}};
  CheckIdempotent(Task{host, "postgresql_db", db_args});
  CHECK(stdin_seen[1] == "CREATE DATABASE \"mlflow\" OWNER \"mlflow\" ENCODING 'UTF-8';\n");
  CHECK(host.commands()[0].starts_with("psql -X -A -t -q -v ON_ERROR_STOP=1 -p 5432 -U postgres -d postgres -f -"));
  Json enc = Task{host, "postgresql_db", {{"name", "mlflow"}, {"encoding", "LATIN1"}}}.Run();
  CHECK(enc["msg"] == "Changing database encoding is not supported. Current encoding: UTF8");
  Json user = Task{host, "postgresql_user", {{"name", "u"}, {"password", "hunter2"}}}.Run();
  CHECK(user["failed"] == true);
  CHECK(user.dump().find("hunter2") == std::string::npos);
  CHECK(user["msg"].get<std::string>().find("PASSWORD '********'") != std::string::npos);
  for (const auto& c : host.commands()) CHECK(c.find("hunter2") == std::string::npos);
}

}  // namespace
}  // namespace tend
