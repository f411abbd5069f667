#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("getent: records keyed by the first field, getent_<db> fact, missing keys") {
  FakeHost host = MakeHost();
  host.OnRun([](const ProcessSpec& spec, FakeHost&) -> ProcessResult {
    std::string args;
    for (size_t i = 1; i < spec.argv.size(); ++i) args += (i > 1 ? " " : "") + spec.argv[i];
    if (args == "passwd root") return {0, "root:x:0:0:root:/root:/bin/bash\n", ""};
    if (args == "hosts") return {0, "127.0.0.1       localhost\n::1  localhost ip6-localhost\n", ""};
    if (args == "passwd ghost") return {2, "", ""};
    if (args == "nosuchdb") return {1, "", "Unknown database\n"};
    return {0, "", ""};
  });
  Json root = Task{.host = host, .module = "getent", .args = {{"database", "passwd"}, {"key", "root"}}}.Run();
  CHECK(root["changed"] == false);
  CHECK(root["ansible_facts"]["getent_passwd"]["root"] ==
        Json::array({"x", "0", "0", "root", "/root", "/bin/bash"}));
  Json hosts = Task{.host = host, .module = "getent", .args = {{"database", "hosts"}}}.Run();
  CHECK(hosts["ansible_facts"]["getent_hosts"] ==
        Json{{"127.0.0.1", {"localhost"}}, {"::1", {"localhost", "ip6-localhost"}}});
  Json ghost = Task{.host = host, .module = "getent", .args = {{"database", "passwd"}, {"key", "ghost"}}}.Run();
  CHECK(ghost["failed"] == true);
  CHECK(ghost["msg"] == "One or more supplied key could not be found in the database.");
  Json lenient = Task{.host = host,
                      .module = "getent",
                      .args = {{"database", "passwd"}, {"key", "ghost"}, {"fail_key", false}}}
                     .Run();
  CHECK(lenient["failed"] != true);
  CHECK(lenient["ansible_facts"]["getent_passwd"]["ghost"].is_null());
  Json unknown = Task{.host = host, .module = "getent", .args = {{"database", "nosuchdb"}}}.Run();
  CHECK(unknown["msg"] == "Missing arguments, or database unknown.");
}

}  // namespace
}  // namespace tend
