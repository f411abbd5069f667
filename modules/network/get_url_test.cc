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

TEST_CASE("get_url: download, checksum, idempotence, check mode, failures") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  std::string payload = "model weights v1\n";
  net.Listen("127.0.0.1:8000", [&](const std::string& request) {
    if (request.starts_with("GET /SHA256SUMS"))
      return Reply(200, "OK", Sha256Hex(payload) + "  model.bin\n" + std::string(64, 'a') + "  other\n");
    if (request.starts_with("GET /model.bin")) {
      // Chunked, as servers stream large files.
      return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
             fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", payload.size(), payload);
    }
    return Reply(404, "Not Found", "");
  });
  Json args{{"url", "http://127.0.0.1:8000/model.bin"}, {"dest", "/opt/model.bin"},
            {"checksum", "sha256:" + Sha256Hex(payload)}, {"mode", "0640"}};
  CheckCheckMode(Task{host, "get_url", args});
  CHECK(net.requests().empty());
  CheckIdempotent(Task{host, "get_url", args});
  CHECK(host.Content("/opt/model.bin") == payload);
  CHECK(host.Find("/opt/model.bin")->mode == 0640);
  CHECK(host.ListDirectory("/opt")->size() == 1);  // no temporary file left
  CHECK(net.requests().size() == 1);                // the second run downloaded nothing
  Json again = Task{host, "get_url", args}.Run();
  CHECK(again["msg"] == "file already exists");
  CHECK(again["checksum_dest"] == Sha1Hex(payload));
  // force: downloads, but identical content changes nothing.
  Json forced = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/model.bin"}, {"force", true}}}.Run();
  CHECK(forced["changed"] == false);
  CHECK(forced["checksum_src"] == Sha1Hex(payload));
  CHECK(forced["status_code"] == 200);
  // A wrong checksum on an existing file downloads again and then fails, leaving the file.
  Json wrong = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/model.bin"},
                                      {"checksum", "sha256:" + std::string(64, '0')}}}.Run();
  CHECK(wrong["failed"] == true);
  CHECK(wrong["msg"].get<std::string>().find("did not match " + std::string(64, '0') + "; it was " + Sha256Hex(payload)) != std::string::npos);
  CHECK(host.Content("/opt/model.bin") == payload);
  CHECK(host.ListDirectory("/opt")->size() == 1);
  // Into a directory, with the checksum from a checksums file.
  host.AddDirectory("/opt/dl");
  Json into_dir = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/dl"},
                                         {"checksum", "sha256:http://127.0.0.1:8000/SHA256SUMS"}}}.Run();
  CHECK(into_dir["dest"] == "/opt/dl/model.bin");
  CHECK(host.Content("/opt/dl/model.bin") == payload);
  Json missing = Task{host, "get_url", {{"url", "http://127.0.0.1:8000/none"}, {"dest", "/opt/none"}}}.Run();
  CHECK(missing["failed"] == true);
  CHECK(missing["msg"] == "Request failed");
  CHECK(missing["status_code"] == 404);
  CHECK(missing["response"] == "HTTP Error 404: Not Found");
  CHECK(!host.Find("/opt/none"));
  CHECK(host.ListDirectory("/opt")->size() == 2);
  Json bad = Task{host, "get_url", {{"url", args["url"]}, {"dest", "/opt/x"}, {"checksum", "crc:1"}}}.Run();
  CHECK(bad["msg"] == "Unsupported hash algorithm 'crc' in checksum");
}

TEST_CASE("get_url: into a directory the name comes from the attachment or the final URL") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  net.Listen("127.0.0.1:80", [](const std::string& request) {
    if (request.starts_with("GET /latest "))
      return std::string("HTTP/1.1 302 Found\r\nLocation: /v2/tool.tgz\r\nContent-Length: 0\r\n\r\n");
    if (request.starts_with("GET /download "))
      return std::string("HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"model.bin\"\r\n"
                         "Content-Length: 1\r\n\r\nm");
    if (request.starts_with("GET /inline "))
      return std::string("HTTP/1.1 200 OK\r\nContent-Disposition: inline; filename=\"x.txt\"\r\n"
                         "Content-Length: 1\r\n\r\ni");
    return Reply(200, "OK", "t");
  });
  host.AddDirectory("/opt/dl");
  CHECK(Task{host, "get_url", {{"url", "http://127.0.0.1/latest"}, {"dest", "/opt/dl"}}}.Run()["dest"] ==
        "/opt/dl/tool.tgz");
  CHECK(Task{host, "get_url", {{"url", "http://127.0.0.1/download"}, {"dest", "/opt/dl"}}}.Run()["dest"] ==
        "/opt/dl/model.bin");
  // Only an attachment names the file, as Ansible's pattern reads it.
  CHECK(Task{host, "get_url", {{"url", "http://127.0.0.1/inline"}, {"dest", "/opt/dl"}}}.Run()["dest"] ==
        "/opt/dl/inline");
}

TEST_CASE("get_url: a transport failure is the message, as Ansible's status -1") {
  FakeHost host = NetHost();
  FakeNetwork net(host);
  ScopedNetwork scoped(net);
  Json refused = Task{host, "get_url", {{"url", "https://127.0.0.1/key.gpg"}, {"dest", "/opt/key.gpg"}}}.Run();
  CHECK(refused["failed"] == true);
  CHECK(refused["msg"] == "Request failed: <urlopen error Connection refused> (127.0.0.1:443)");
  CHECK(host.ListDirectory("/opt")->empty());
}

}  // namespace
}  // namespace tend
