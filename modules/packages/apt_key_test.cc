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

TEST_CASE("apt_key: keyring written dearmored once; id recognised; absent removes it") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/keyrings");
  host.ClearRecords();
  std::string armored = Slurp("debian-bookworm-stable.asc");
  Task add{host, "apt_key", {{"data", armored}, {"keyring", "/etc/apt/keyrings/debian.gpg"}}};
  CheckCheckMode(add);
  CheckIdempotent(add);
  CHECK(host.Content("/etc/apt/keyrings/debian.gpg") == Slurp("debian-archive-bookworm-stable.gpg"));
  Json by_id = Task{host,
                    "apt_key",
                    {{"id", "0xF8D2585B8783D481"}, {"keyring", "/etc/apt/keyrings/debian.gpg"}}}
                   .Run();
  CHECK(by_id["changed"] == false);
  CHECK(host.commands().empty());
  Task remove{host,
              "apt_key",
              {{"id", "8783D481"}, {"keyring", "/etc/apt/keyrings/debian.gpg"}, {"state", "absent"}}};
  CHECK(remove.Run()["changed"] == true);
  CHECK(host.Find("/etc/apt/keyrings/debian.gpg") == nullptr);
  CHECK(remove.Run()["changed"] == false);
}

TEST_CASE("apt_key: url= downloads with the agent's HTTP client, never curl or wget") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/keyrings");
  host.AddFile("/etc/hosts", "10.0.0.8 deb.example.org\n");
  host.ClearRecords();
  fake_network_test::FakeNetwork net(host);
  ScopedNetwork scoped(net);
  std::string armored = Slurp("debian-bookworm-stable.asc");
  fake_network_test::ServeFiles(net, "10.0.0.8:80", {{"/key.asc", armored}});
  Task add{host, "apt_key", {{"url", "http://deb.example.org/key.asc"}, {"keyring", "/etc/apt/keyrings/debian.gpg"}}};
  CheckIdempotent(add);
  CHECK(host.Content("/etc/apt/keyrings/debian.gpg") == Slurp("debian-archive-bookworm-stable.gpg"));
  CHECK(host.commands().empty());
  Json missing = Task{host, "apt_key", {{"url", "http://deb.example.org/gone"}, {"keyring", "/etc/apt/keyrings/x.gpg"}}}.Run();
  CHECK(missing["msg"] == "Failed to download key at http://deb.example.org/gone: HTTP Error 404: Not Found");
}

}  // namespace
}  // namespace tend
