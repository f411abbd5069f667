#include <doctest/doctest.h>
#include <fmt/format.h>

#include <deque>

#include "modules/host/http_client.h"
#include "modules/host/network.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/postgresql_user.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("postgresql_privs decisions") {
  Json current = Json::array({Json{{"obj", "runs"}, {"grantee", "reader"}, {"priv", "SELECT"}, {"grantable", false}},
                              Json{{"obj", "runs"}, {"grantee", "PUBLIC"}, {"priv", "SELECT"}, {"grantable", true}}});
  CHECK(PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT"}, true, false));
  CHECK(!PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT"}, true, true));
  CHECK(PrivilegesSatisfied(current, {"runs"}, {"PUBLIC"}, {"SELECT"}, true, true));
  CHECK(!PrivilegesSatisfied(current, {"runs", "metrics"}, {"reader"}, {"SELECT"}, true, false));
  CHECK(!PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT", "INSERT"}, true, false));
  CHECK(PrivilegesSatisfied(current, {"runs"}, {"writer"}, {"INSERT"}, false, false));
  CHECK(!PrivilegesSatisfied(current, {"runs"}, {"reader"}, {"SELECT"}, false, false));
}

TEST_CASE("postgresql_privs through psql: grant once, then nothing") {
  FakeHost host = MakeHost();
  bool granted = false;
  host.OnRun([&](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
    std::string sql = spec.stdin_data.value_or("");
    if (sql.starts_with("GRANT")) granted = true;
    if (sql.find("aclexplode") != std::string::npos) {
      return {0, granted ? R"([{"obj":"mlflow","grantee":"mlflow","priv":"CONNECT","grantable":false},
                              {"obj":"mlflow","grantee":"mlflow","priv":"CREATE","grantable":false}])"
                         : "[]", ""};
    }
    return {};
  });
  Task task{host, "postgresql_privs", {{"database", "mlflow"}, {"type", "database"}, {"privs", "connect,create"},
                                       {"roles", "mlflow"}}};
  Json first = task.Run();
  CHECK(first["queries"] == Json::array({"GRANT CONNECT, CREATE ON DATABASE \"mlflow\" TO \"mlflow\""}));
  CHECK(first["changed"] == true);
  CHECK(task.Run()["changed"] == false);
  Json unsupported = Task{host, "postgresql_privs", {{"database", "d"}, {"type", "function"}, {"roles", "r"}}}.Run();
  CHECK(unsupported["msg"] == "type=function is not supported by the agent yet (database, schema, table, sequence)");
}

}  // namespace
}  // namespace tend
