#include <doctest/doctest.h>

#include "modules/docker/docker_container_config.h"
#include "modules/host/docker_api.h"
#include "modules/testing/docker_fake.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("ParseHttpResponse reads Content-Length, chunked and unframed bodies") {
  auto plain = ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nApi-Version: 1.41\r\n\r\n{}extra");
  REQUIRE(plain);
  CHECK(plain->status == 200);
  CHECK(plain->body == "{}");
  CHECK(plain->headers["api-version"] == "1.41");
  auto chunked = ParseHttpResponse(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n");
  REQUIRE(chunked);
  CHECK(chunked->status == 404);
  CHECK(chunked->body == "hello world");
  auto unframed = ParseHttpResponse("HTTP/1.0 204 No Content\r\nServer: x\r\n\r\n");
  REQUIRE(unframed);
  CHECK(unframed->status == 204);
  CHECK(unframed->body.empty());
  CHECK(ParseHttpResponse("garbage").error().message == "incomplete HTTP response from Docker");
  CHECK(DecodeChunked("zz\r\n").error().message == "bad chunk size 'zz' in Docker response");
  CHECK(DecodeChunked("5\r\nhel").error().message == "truncated chunk in Docker response");
}

TEST_CASE("DemuxDockerStream splits framed stdout and stderr") {
  std::string raw = std::string("\1\0\0\0\0\0\0\3", 8) + "out" + std::string("\2\0\0\0\0\0\0\4", 8) + "err\n";
  auto [out, err] = DemuxDockerStream(raw);
  CHECK(out == "out");
  CHECK(err == "err\n");
  CHECK(DemuxDockerStream("tty text").first == "tty text");
}

TEST_CASE("docker_host and image references") {
  CHECK(*SocketPathOf("unix:///run/x.sock") == "/run/x.sock");
  CHECK(!SocketPathOf("tcp://127.0.0.1:2375"));
  struct Case {
    std::string reference, repository, tag;
  };
  for (const auto& c : std::vector<Case>{{"busybox", "busybox", ""},
                                         {"busybox:1.36", "busybox", "1.36"},
                                         {"localhost:5000/app", "localhost:5000/app", ""},
                                         {"localhost:5000/app:v2", "localhost:5000/app", "v2"},
                                         {"app@sha256:abc", "app@sha256:abc", ""}}) {
    auto [repository, tag] = SplitImageReference(c.reference);
    CHECK_MESSAGE(repository == c.repository, c.reference);
    CHECK_MESSAGE(tag == c.tag, c.reference);
  }
  CHECK(NormalizeImageName("busybox") == "busybox:latest");
  CHECK(NormalizeImageName("busybox:1") == "busybox:1");
  CHECK(UrlEncode("a/b:c") == "a%2Fb%3Ac");
}

}  // namespace
}  // namespace tend
