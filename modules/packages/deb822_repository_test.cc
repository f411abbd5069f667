#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modules/framework/text.h"
#include "modules/packages/apt_common.h"
#include "modules/testing/fake_apt.h"
#include "modules/testing/fake_network.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_apt_test;

TEST_CASE("deb822_repository: writes the .sources file once, removes it on absent") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/sources.list.d");
  host.ClearRecords();
  Task task{host,
            "deb822_repository",
            {{"name", "Docker CE"},
             {"uris", "https://download.docker.com/linux/debian"},
             {"suites", "bookworm"},
             {"components", "stable"},
             {"architectures", "amd64"},
             {"signed_by", "/etc/apt/keyrings/docker.asc"}}};
  CheckCheckMode(task);
  CheckIdempotent(task);
  std::string dest = "/etc/apt/sources.list.d/docker-ce.sources";
  CHECK(host.Content(dest) ==
        "X-Repolib-Name: Docker CE\nTypes: deb\nURIs: https://download.docker.com/linux/debian\n"
        "Suites: bookworm\nComponents: stable\nArchitectures: amd64\n"
        "Signed-By: /etc/apt/keyrings/docker.asc\n");
  CHECK(host.Find(dest)->mode == 0644);
  Json inline_key = Task{host,
                         "deb822_repository",
                         {{"name", "inline"},
                          {"uris", "http://x"},
                          {"suites", "s"},
                          {"signed_by", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n"}}}
                        .Run();
  CHECK(inline_key["repo"].get<std::string>().find(
            "Signed-By:\n    -----BEGIN PGP PUBLIC KEY BLOCK-----\n    .\n    abc\n") != std::string::npos);
  Task absent{host, "deb822_repository", {{"name", "Docker CE"}, {"state", "absent"}}};
  CHECK(absent.Run()["changed"] == true);
  CHECK(host.Find(dest) == nullptr);
  CHECK(absent.Run()["changed"] == false);
}

TEST_CASE("deb822_repository: a signed_by URL is downloaded into /etc/apt/keyrings once") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/sources.list.d");
  host.AddFile("/etc/hosts", "10.0.0.8 download.example.com\n");
  host.ClearRecords();
  fake_network_test::FakeNetwork net(host);
  ScopedNetwork scoped(net);
  std::string key = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n";
  fake_network_test::ServeFiles(net, "10.0.0.8:80", {{"/gpg", key}});
  Task task{host,
            "deb822_repository",
            {{"name", "Docker CE"}, {"uris", "https://download.docker.com/linux/debian"},
             {"suites", "bookworm"}, {"signed_by", "http://download.example.com/gpg"}}};
  CheckCheckMode(task);
  CheckIdempotent(task);
  CHECK(host.Content("/etc/apt/keyrings/docker-ce.asc") == key);
  CHECK(host.Find("/etc/apt/keyrings/docker-ce.asc")->mode == 0644);
  Json r = task.Run();
  CHECK(r["key_filename"] == "/etc/apt/keyrings/docker-ce.asc");
  CHECK(r["repo"].get<std::string>().ends_with("Signed-By: /etc/apt/keyrings/docker-ce.asc\n"));
  Json missing = Task{host, "deb822_repository",
                      {{"name", "x"}, {"uris", "http://x"}, {"suites", "s"},
                       {"signed_by", "http://download.example.com/nope"}}}.Run();
  CHECK(missing["msg"] == "Could not fetch signed_by key: HTTP Error 404: Not Found");
}

}  // namespace
}  // namespace tend
