#include "modules/system/facts.h"

#include <doctest/doctest.h>

#include <cstdlib>

namespace tend {
namespace {

std::string FixtureRoot() {
  const char* source = std::getenv("TEND_SOURCE_DIR");
  return std::string(source ? source : ".") + "/modules/testing/testdata/facts-debian12";
}

FactSources Fixture() {
  FactSources s = ReadFactSources(FixtureRoot());
  s.nodename = "train-1";
  s.kernel = "6.1.0-18-amd64";
  s.machine = "x86_64";
  s.uid = 1000;
  s.gid = 1000;
  s.env = {{"HOME", "/home/ml"}, {"LANG", "C.UTF-8"}};
  s.now_micros = 1700000000000000;
  s.addresses = {{"lo", "ipv4", "127.0.0.1", "255.0.0.0"},
                 {"eth0", "ipv4", "10.0.1.17", "255.255.255.0"},
                 {"eth0", "ipv6", "fe80::1", "64"}};
  return s;
}

}  // namespace

TEST_CASE("os-release, meminfo, mounts and routes parse as Ansible reads them") {
  auto os = ParseOsRelease("NAME=\"Debian GNU/Linux\"\nID=debian\nVERSION_ID='12'\n# x\n");
  CHECK(os["NAME"] == "Debian GNU/Linux");
  CHECK(os["VERSION_ID"] == "12");
  CHECK(ParseMeminfo("MemTotal:       16303428 kB\nHugePages_Total:       0\n")["MemTotal"] ==
        16303428);
  auto mounts = ParseMounts(
      "proc /proc proc rw 0 0\n/dev/sda1 / ext4 rw,relatime 0 0\n"
      "srv:/export /mnt/my\\040share nfs4 rw 0 0\ntmpfs /run tmpfs rw 0 0\n");
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[0].mount == "/");
  CHECK(mounts[1].mount == "/mnt/my share");
  auto route = ParseDefaultRoute(
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
      "eth1\t00000000\t0102A8C0\t0003\t0\t0\t200\t00000000\n"
      "eth0\t00000000\t0101000A\t0003\t0\t0\t100\t00000000\n"
      "eth0\t0001000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\n");
  REQUIRE(route.has_value());
  CHECK(route->interface == "eth0");
  CHECK(route->gateway == "10.0.1.1");
}

TEST_CASE("facts from a Debian 12 fixture carry docs/ansible-compat.md's names and values") {
  Json f = ShapeFacts(Fixture());
  CHECK(f["ansible_distribution"] == "Debian");
  CHECK(f["ansible_os_family"] == "Debian");
  CHECK(f["ansible_distribution_version"] == "12.5");
  CHECK(f["ansible_distribution_major_version"] == "12");
  CHECK(f["ansible_distribution_release"] == "bookworm");
  CHECK(f["ansible_pkg_mgr"] == "apt");
  CHECK(f["ansible_service_mgr"] == "systemd");
  CHECK(f["ansible_hostname"] == "train-1");
  CHECK(f["ansible_fqdn"] == "train-1.ml.internal");
  CHECK(f["ansible_domain"] == "ml.internal");
  CHECK(f["ansible_memtotal_mb"] == 15921);
  CHECK(f["ansible_processor_vcpus"] == 4);
  CHECK(f["ansible_processor_cores"] == 2);
  CHECK(f["ansible_processor_count"] == 1);
  CHECK(f["ansible_processor_threads_per_core"] == 2);
  CHECK(f["ansible_processor"][1] == "GenuineIntel");
  CHECK(f["ansible_user_id"] == "ml");
  CHECK(f["ansible_user_dir"] == "/home/ml");
  CHECK(f["ansible_env"]["LANG"] == "C.UTF-8");
  CHECK(f["ansible_interfaces"].dump() == R"(["eth0","lo"])");
  CHECK(f["ansible_all_ipv4_addresses"].dump() == R"(["10.0.1.17"])");
  CHECK(f["ansible_default_ipv4"]["address"] == "10.0.1.17");
  CHECK(f["ansible_default_ipv4"]["gateway"] == "10.0.1.1");
  CHECK(f["ansible_default_ipv4"]["interface"] == "eth0");
  CHECK(f["ansible_default_ipv4"]["network"] == "10.0.1.0");
  CHECK(f["ansible_default_ipv4"]["macaddress"] == "52:54:00:12:34:56");
  CHECK(f["ansible_eth0"]["ipv4"]["netmask"] == "255.255.255.0");
  CHECK(f["ansible_mounts"][0]["mount"] == "/");
  CHECK(f["ansible_date_time"]["epoch"] == "1700000000");
  CHECK(f["ansible_date_time"]["iso8601"] == "2023-11-14T22:13:20Z");
}

TEST_CASE("the fact schema and the shaping code agree") {
  Json f = ShapeFacts(Fixture());
  for (const auto& name : FactNames()) CHECK_MESSAGE(f.contains(name), name);
  for (const auto& [key, value] : f.items()) {
    bool listed = std::find(FactNames().begin(), FactNames().end(), key) != FactNames().end();
    bool per_user_or_interface =
        key.starts_with("ansible_user_") || (value.is_object() && value.contains("device"));
    CHECK_MESSAGE((listed || per_user_or_interface), key);
  }
}

TEST_CASE("live facts come back in milliseconds and name this machine") {
  FactSources s = ReadFactSources("/");
  ReadLiveFactSources(s);
  Json f = ShapeFacts(s);
  CHECK(f["ansible_system"] == "Linux");
  CHECK(!f["ansible_kernel"].get<std::string>().empty());
  CHECK(f["ansible_processor_vcpus"].get<int>() > 0);
}

}  // namespace tend
