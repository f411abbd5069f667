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

}  // namespace
}  // namespace tend
