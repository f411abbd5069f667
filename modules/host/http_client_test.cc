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

TEST_CASE("URL parsing") {
  auto u = ParseUrl("http://user:pw@Example.com:8080/a/b?q=1#frag");
  REQUIRE(u);
  CHECK(u->scheme == "http");
  CHECK(u->userinfo == "user:pw");
  CHECK(u->host == "Example.com");
  CHECK(u->port == 8080);
  CHECK(u->target == "/a/b?q=1");
  CHECK(u->HostHeader() == "Example.com:8080");
  auto v6 = ParseUrl("http://[::1]/x");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 80);
  CHECK(v6->ToString() == "http://[::1]/x");
  CHECK(ParseUrl("http://h")->target == "/");
  CHECK(ParseUrl("https://h/")->port == 443);
  CHECK(ParseUrl("ftp://h/").error().message == "unsupported URL scheme 'ftp' in 'ftp://h/'");
  CHECK(ParseUrl("h/x").error().message == "'h/x' is not an absolute URL (scheme://host/path)");
  CHECK(ParseUrl("http://h:99999/").error().message == "bad port '99999' in URL 'http://h:99999/'");
  CHECK(ResolveReference(*u, "/c")->ToString() == "http://Example.com:8080/c");
  CHECK(ResolveReference(*u, "d")->ToString() == "http://Example.com:8080/a/d");
  CHECK(ResolveReference(*u, "http://o/p")->ToString() == "http://o/p");
}

TEST_CASE("HTTP responses: Content-Length, chunked, close-delimited, byte by byte") {
  struct Case {
    std::string wire;
    int status;
    std::string body;
    bool needs_eof;
  };
  std::vector<Case> cases{
      {"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 200, "hello", false},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n",
       200, "hello world", false},
      {"HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\nnope", 404, "nope", true},
      {"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n", 204, "", false},
  };
  for (const auto& c : cases) {
    for (size_t piece : {1, 3, 1000}) {
      ResponseParser parser;
      for (size_t i = 0; i < c.wire.size(); i += piece) REQUIRE(parser.Feed(c.wire.substr(i, piece)));
      CHECK(parser.done() == !c.needs_eof);
      REQUIRE(parser.FinishAtEof());
      CHECK(parser.response().status == c.status);
      CHECK(parser.response().body == c.body);
    }
  }
  ResponseParser cut;
  REQUIRE(cut.Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
  CHECK(cut.FinishAtEof().error().message == "connection closed before the response was complete");
  ResponseParser bad;
  CHECK(bad.Feed("SSH-2.0-OpenSSH\r\n\r\n").error().message == "malformed HTTP status line 'SSH-2.0-OpenSSH'");
  ResponseParser head(true);
  REQUIRE(head.Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"));
  CHECK(head.done());
}

TEST_CASE("HTTP requests on the wire") {
  HttpRequest r;
  r.method = "POST";
  r.url = *ParseUrl("http://127.0.0.1:8000/api?x=1");
  r.headers = {{"Content-Type", "application/json"}, {"Host", "ignored"}};
  r.body = "{}";
  r.basic_auth = "alice:s3cret";
  CHECK(SerializeRequest(r) ==
        "POST /api?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: ansible-httpget\r\n"
        "Accept-Encoding: identity\r\nAuthorization: Basic YWxpY2U6czNjcmV0\r\n"
        "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("a") == "YQ==");
  CHECK(Base64Encode("ab") == "YWI=");
  CHECK(FormUrlEncode(Json{{"name", "a b&c"}, {"n", 1}}) == "name=a+b%26c&n=1");
}

using fake_network_test::FakeNetwork;
using fake_network_test::NetHost;
using fake_network_test::Reply;

std::string Redirect(int status, const std::string& location) {
  return fmt::format("HTTP/1.1 {} Moved\r\nLocation: {}\r\nContent-Length: 0\r\n\r\n", status, location);
}

// Method and path of each request the fake server saw: "POST /old".
std::vector<std::string> RequestLines(const FakeNetwork& net) {
  std::vector<std::string> out;
  for (const auto& r : net.requests()) {
    std::string line = r.substr(0, r.find("\r\n"));
    out.push_back(line.substr(0, line.rfind(' ')));
  }
  return out;
}

TEST_CASE("redirects follow Ansible's follow_redirects: safe, none, all, urllib2") {
  struct Case {
    std::string mode, method;
    int status;
    std::vector<std::string> lines;  // what the server saw
  };
  std::vector<Case> cases{
      {"safe", "GET", 301, {"GET /old", "GET /new"}},
      {"safe", "POST", 301, {"POST /old"}},
      {"none", "GET", 302, {"GET /old"}},
      {"no", "GET", 302, {"GET /old"}},
      {"all", "POST", 307, {"POST /old", "POST /new"}},
      {"all", "POST", 302, {"POST /old", "GET /new"}},
      {"all", "PUT", 301, {"PUT /old", "PUT /new"}},
      {"all", "HEAD", 303, {"HEAD /old", "HEAD /new"}},
      {"urllib2", "GET", 308, {"GET /old", "GET /new"}},
      {"urllib2", "POST", 302, {"POST /old", "GET /new"}},
      {"urllib2", "POST", 307, {"POST /old"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.mode);
    CAPTURE(c.method);
    CAPTURE(c.status);
    FakeHost host = NetHost();
    FakeNetwork net(host);
    net.Listen("127.0.0.1:80", [&](const std::string& request) {
      if (request.find(" /old ") != std::string::npos) return Redirect(c.status, "/new");
      return Reply(200, "OK", request.substr(request.find("\r\n\r\n") + 4));
    });
    HttpRequest request{.method = c.method, .url = *ParseUrl("http://127.0.0.1/old"), .body = "x=1"};
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    auto fetched = Fetch(host, net, request, {.follow_redirects = c.mode});
    REQUIRE(fetched);
    CHECK(RequestLines(net) == c.lines);
    bool followed = c.lines.size() == 2;
    CHECK(fetched->redirected == followed);
    CHECK(fetched->response.status == (followed ? 200 : c.status));
    if (followed && c.lines[1].starts_with("GET")) {
      // A redirect turned into GET drops the body and its headers.
      CHECK(net.requests()[1].find("Content-Type") == std::string::npos);
      CHECK(net.requests()[1].ends_with("\r\n\r\n"));
    }
  }
}

TEST_CASE("basic auth: sent when a 401 asks for it, or at once with force_basic_auth") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  net.Listen("127.0.0.1:80", [](const std::string& request) {
    if (request.find("Authorization: Basic dTpw\r\n") != std::string::npos) return Reply(200, "OK", "secret");
    return std::string("HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"r\"\r\n"
                       "Content-Length: 6\r\n\r\ndenied");
  });
  HttpRequest request{.url = *ParseUrl("http://127.0.0.1/"), .basic_auth = "u:p"};
  std::string body;
  FetchOptions options{.sink = [&](std::string_view data) -> Expected<void> {
    body.append(data);
    return {};
  }};
  auto challenged = Fetch(host, net, request, options);
  REQUIRE(challenged);
  CHECK(challenged->response.status == 200);
  CHECK(body == "secret");  // the 401's body never reaches the sink
  REQUIRE(net.requests().size() == 2);
  CHECK(net.requests()[0].find("Authorization") == std::string::npos);
  options.force_basic_auth = true;
  REQUIRE(Fetch(host, net, request, options));
  CHECK(net.requests().size() == 3);
  CHECK(net.requests()[2].find("Authorization: Basic dTpw\r\n") != std::string::npos);
  // Without credentials a 401 is the answer.
  auto denied = Fetch(host, net, HttpRequest{.url = *ParseUrl("http://127.0.0.1/")}, {});
  CHECK(denied->response.status == 401);
}

TEST_CASE("proxies: absolute-form requests for http, CONNECT for https, no_proxy and use_proxy") {
  FakeHost host = NetHost();
  host.AddFile("/etc/hosts", "127.0.0.1 localhost\n10.0.0.5 repo.internal\n127.0.0.9 proxy.lan\n");
  FakeNetwork net(host);
  net.Listen("127.0.0.9:3128", [](const std::string& request) {
    if (request.starts_with("CONNECT ")) {
      if (request.find("Proxy-Authorization: Basic Ym9iOnB3\r\n") == std::string::npos)
        return std::string("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
      return std::string("HTTP/1.1 200 Connection established\r\n\r\n");
    }
    return Reply(200, "OK", "via proxy");
  });
  net.Listen("10.0.0.5:80", [](const std::string&) { return Reply(200, "OK", "direct"); });
  HttpRequest plain{.url = *ParseUrl("http://repo.internal/key.asc")};
  host.SetEnv("http_proxy", "http://bob:pw@proxy.lan:3128");
  auto proxied = Fetch(host, net, plain, {});
  REQUIRE(proxied);
  CHECK(proxied->response.body == "via proxy");
  CHECK(net.requests().back() ==
        "GET http://repo.internal/key.asc HTTP/1.1\r\nHost: repo.internal\r\nUser-Agent: ansible-httpget\r\n"
        "Accept-Encoding: identity\r\nProxy-Authorization: Basic Ym9iOnB3\r\nConnection: close\r\n\r\n");
  CHECK(Fetch(host, net, plain, {.use_proxy = false})->response.body == "direct");
  host.SetEnv("NO_PROXY", "localhost,.internal");
  CHECK(Fetch(host, net, plain, {})->response.body == "direct");
  host.SetEnv("NO_PROXY", "");

  HttpRequest secure{.url = *ParseUrl("https://repo.internal/key.asc")};
  host.SetEnv("HTTPS_PROXY", "proxy.lan:3128");
  auto refused = Fetch(host, net, secure, {});
  CHECK(refused.error().message ==
        "Request failed: <urlopen error Tunnel connection failed: 407 Proxy Authentication Required>");
  CHECK(net.requests().back() == "CONNECT repo.internal:443 HTTP/1.1\r\nHost: repo.internal:443\r\n\r\n");
  host.SetEnv("HTTPS_PROXY", "http://bob:pw@proxy.lan:3128");
  // The tunnel opens; the fake proxy then speaks no TLS, so the handshake fails
  // naming the server the tunnel leads to.
  auto tunnel = Fetch(host, net, secure, {});
  CHECK(net.requests().back() ==
        "CONNECT repo.internal:443 HTTP/1.1\r\nHost: repo.internal:443\r\n"
        "Proxy-Authorization: Basic Ym9iOnB3\r\n\r\n");
  CHECK(tunnel.error().message ==
        "Request failed: <urlopen error EOF occurred in violation of protocol (repo.internal:443)>");
}

}  // namespace
}  // namespace tend
