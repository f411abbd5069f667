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

TEST_CASE("wait_for: port up, port timeout, stopped, file with regex, drained") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.1:5432", [](const std::string&) { return "220 ready\n"; });
  Json up = Task{host, "wait_for", {{"port", 5432}, {"host", "localhost"}}}.Run();
  CHECK(up["failed"] != true);
  CHECK(up["state"] == "started");
  CHECK(up["elapsed"] == 0);
  Json banner = Task{host, "wait_for", {{"port", 5432}, {"search_regex", "(\\d+) (re)ady"}}}.Run();
  CHECK(banner["match_groups"] == Json::array({"220", "re"}));
  Json down = Task{host, "wait_for", {{"port", 8080}, {"timeout", 3}}}.Run();
  CHECK(down["failed"] == true);
  CHECK(down["msg"] == "Timeout when waiting for 127.0.0.1:8080");
  CHECK(down["elapsed"] == 3);
  CHECK(net.connects == 2 + 4);  // at 0, 1, 2 and 3 seconds
  Json stopped = Task{host, "wait_for", {{"port", 8080}, {"state", "stopped"}}}.Run();
  CHECK(stopped["failed"] != true);
  Json still = Task{host, "wait_for", {{"port", 5432}, {"state", "stopped"}, {"timeout", 1}, {"msg", "db still up"}}}.Run();
  CHECK(still["msg"] == "db still up");
  host.AddFile("/var/log/app.log", "starting\nlistening on 8000\n");
  Json file = Task{host, "wait_for", {{"path", "/var/log/app.log"}, {"search_regex", "listening on (\\d+)"}}}.Run();
  CHECK(file["match_groups"] == Json::array({"8000"}));
  CHECK(file["match_groupdict"] == Json::object());
  Json named = Task{host, "wait_for", {{"path", "/var/log/app.log"}, {"search_regex", "(?P<verb>\\w+) on (?P<port>\\d+)"}}}.Run();
  CHECK(named["match_groupdict"] == Json{{"verb", "listening"}, {"port", "8000"}});
  Json missing = Task{host, "wait_for", {{"path", "/nope"}, {"timeout", 2}}}.Run();
  CHECK(missing["msg"] == "Timeout when waiting for file /nope");
  Json absent = Task{host, "wait_for", {{"path", "/nope"}, {"state", "absent"}}}.Run();
  CHECK(absent["failed"] != true);
  Json no_regex = Task{host, "wait_for", {{"path", "/var/log/app.log"}, {"search_regex", "ready"}, {"timeout", 1}}}.Run();
  CHECK(no_regex["msg"] == "Timeout when waiting for search string ready in /var/log/app.log");
  host.AddFile("/proc/net/tcp",
               "  sl  local_address rem_address   st tx_queue rx_queue\n"
               "   0: 0100007F:1538 00000000:0000 0A 00000000:00000000\n"
               "   1: 0100007F:1538 0100007F:D3F2 01 00000000:00000000\n");
  Json busy = Task{host, "wait_for", {{"port", 5432}, {"state", "drained"}, {"timeout", 1}}}.Run();
  CHECK(busy["msg"] == "Timeout when waiting for 127.0.0.1:5432 to drain");
  CHECK(Task{host, "wait_for", {{"port", 5433}, {"state", "drained"}}}.Run()["failed"] != true);
  CHECK(Task{host, "wait_for", {{"port", 1}, {"path", "/x"}}}.Run()["msg"] ==
        "parameters are mutually exclusive: port|path");
}

}  // namespace
}  // namespace tend
