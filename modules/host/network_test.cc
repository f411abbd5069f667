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

TEST_CASE("/etc/hosts resolution without NSS") {
  FakeHost host = NetHost();
  std::string hosts = host.Content("/etc/hosts");
  CHECK(LookupHostsFile(hosts, "DB") == std::vector<std::string>{"10.0.0.5"});
  CHECK(LookupHostsFile(hosts, "localhost") == std::vector<std::string>{"127.0.0.1", "::1"});
  CHECK(LookupHostsFile(hosts, "comment").empty());
  CHECK(*ResolveName(host, "db.internal") == "10.0.0.5");
  CHECK(*ResolveName(host, "ip6-localhost") == "::1");
  CHECK(*ResolveName(host, "192.168.1.1") == "192.168.1.1");
  CHECK(*ResolveName(host, "[::1]") == "::1");
  CHECK(ResolveName(host, "example.org").error().message.starts_with(
      "could not resolve host name 'example.org': the agent resolves names only through /etc/hosts"));
  FakeHost bare;
  CHECK(*ResolveName(bare, "localhost") == "127.0.0.1");
}

}  // namespace
}  // namespace tend
