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

TEST_CASE("uri: GET JSON, POST json with status_code, 404, refused, redirects") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.1:8000", [](const std::string& request) {
    if (request.starts_with("GET /api")) return Reply(200, "OK", "{\"ok\": true}", "application/json");
    if (request.starts_with("POST /runs")) {
      std::string body = request.substr(request.find("\r\n\r\n") + 4);
      return Reply(201, "Created", body, "application/json; charset=utf-8");
    }
    if (request.starts_with("GET /old"))
      return std::string("HTTP/1.1 301 Moved\r\nLocation: /api\r\nContent-Length: 0\r\n\r\n");
    return Reply(404, "Not Found", "missing");
  });
  Json get = Task{host, "uri", {{"url", "http://localhost:8000/api"}}}.Run();
  CHECK(get["status"] == 200);
  CHECK(get["json"] == Json{{"ok", true}});
  CHECK(get["msg"] == "OK (12 bytes)");
  CHECK(get["content_type"] == "application/json");
  CHECK(get["content_length"] == "12");
  CHECK(get["changed"] == false);
  CHECK(!get.contains("content"));
  Json post = Task{host, "uri", {{"url", "http://127.0.0.1:8000/runs"}, {"method", "post"},
                                 {"body_format", "json"}, {"body", {{"name", "exp1"}}},
                                 {"status_code", Json::array({200, 201})}, {"return_content", true}}}.Run();
  CHECK(post["status"] == 201);
  CHECK(post["json"]["name"] == "exp1");
  CHECK(post["content"] == "{\"name\":\"exp1\"}");
  CHECK(net.requests().back().find("Content-Type: application/json\r\n") != std::string::npos);
  Json missing = Task{host, "uri", {{"url", "http://127.0.0.1:8000/nope"}}}.Run();
  CHECK(missing["failed"] == true);
  CHECK(missing["status"] == 404);
  CHECK(missing["msg"] == "Status code was 404 and not [200]: HTTP Error 404: Not Found");
  Json moved = Task{host, "uri", {{"url", "http://127.0.0.1:8000/old"}}}.Run();
  CHECK(moved["redirected"] == true);
  CHECK(moved["url"] == "http://127.0.0.1:8000/api");
  Json kept = Task{host, "uri", {{"url", "http://127.0.0.1:8000/old"}, {"follow_redirects", "none"},
                                 {"status_code", "301"}}}.Run();
  CHECK(kept["status"] == 301);
  CHECK(kept["location"] == "/api");
  Json refused = Task{host, "uri", {{"url", "http://127.0.0.1:9/"}}}.Run();
  CHECK(refused["status"] == -1);
  CHECK(refused["msg"] == "Status code was -1 and not [200]: Request failed: <urlopen error Connection refused> (127.0.0.1:9)");
  Json tls = Task{host, "uri", {{"url", "https://127.0.0.1/"}}}.Run();
  CHECK(tls["msg"] == "Status code was -1 and not [200]: Request failed: <urlopen error Connection refused> (127.0.0.1:443)");
  Json form = Task{host, "uri", {{"url", "http://127.0.0.1:8000/runs"}, {"method", "POST"},
                                 {"body_format", "form-urlencoded"}, {"body", {{"a", "b c"}}},
                                 {"status_code", 201}, {"url_username", "u"}, {"url_password", "p"},
                                 {"force_basic_auth", true}}}.Run();
  CHECK(form["status"] == 201);
  CHECK(net.requests().back().ends_with("\r\n\r\na=b+c"));
  CHECK(net.requests().back().find("Authorization: Basic dTpw\r\n") != std::string::npos);
}

TEST_CASE("uri: https_proxy from the task's environment is used unless use_proxy is false") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.9:3128", [](const std::string&) {
    return std::string("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  });
  net.Listen("10.0.0.5:8080", [](const std::string&) { return Reply(200, "OK", "direct"); });
  host.SetEnv("https_proxy", "http://127.0.0.9:3128");
  host.SetEnv("http_proxy", "http://127.0.0.9:3128");
  Json tunneled = Task{host, "uri", {{"url", "https://db.internal/"}}}.Run();
  CHECK(tunneled["msg"] == "Status code was -1 and not [200]: Request failed: <urlopen error Tunnel "
                           "connection failed: 403 Forbidden>");
  CHECK(net.requests().back().starts_with("CONNECT db.internal:443 HTTP/1.1\r\n"));
  Json direct = Task{host, "uri", {{"url", "http://db.internal:8080/"}, {"use_proxy", false}}}.Run();
  CHECK(direct["status"] == 200);
}

TEST_CASE("uri: dest written once; creates skips") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.1:80", [](const std::string&) { return Reply(200, "OK", "data"); });
  CheckIdempotent(Task{host, "uri", {{"url", "http://127.0.0.1/file.txt"}, {"dest", "/opt"}}});
  CHECK(host.Content("/opt/file.txt") == "data");
  Json skipped = Task{host, "uri", {{"url", "http://127.0.0.1/x"}, {"creates", "/opt/file.txt"}}}.Run();
  CHECK(skipped["msg"] == "skipped, since '/opt/file.txt' exists");
}

}  // namespace
}  // namespace tend
