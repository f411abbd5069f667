#include "modules/system/facts.h"

#include <doctest/doctest.h>

#include <chrono>
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
  s.uid = s.euid = 1000;
  s.gid = s.egid = 1000;
  s.nproc = 4;
  s.loadavg = std::array<double, 3>{0.5, 0.25, 0.125};
  s.env = {{"HOME", "/home/ml"}, {"LANG", "C.UTF-8"}};
  s.now_micros = 1700000000123456;
  s.addresses = {{"lo", "ipv4", "127.0.0.1", "8", "", "", "host"},
                 {"eth0", "ipv4", "10.0.1.17", "24", "10.0.1.255", "", "global"},
                 {"eth0", "ipv4", "10.0.1.18", "24", "10.0.1.255", "eth0:1", "global", true},
                 {"lo", "ipv6", "::1", "128", "", "", "host"},
                 {"eth0", "ipv6", "fd00::17", "64", "", "", "global"},
                 {"eth0", "ipv6", "fe80::1", "64", "", "", "link"}};
  s.mount_sizes["/"] = Json{{"size_total", 100}, {"block_used", 3}};
  return s;
}

// Equal as JSON values, whatever the order of object keys.
bool Same(const Json& value, std::string_view expected) {
  return nlohmann::json::parse(value.dump()) == nlohmann::json::parse(expected);
}

std::vector<std::string> Sorted(const Json& list) {
  auto out = list.get<std::vector<std::string>>();
  std::sort(out.begin(), out.end());
  return out;
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

TEST_CASE("cmdline, resolv.conf, INI facts, capabilities and sizes parse as Ansible's do") {
  Json cmdline = ParseCmdline("ro quiet console=tty0 console=\"ttyS0,1 2\"\n", false);
  CHECK(Same(cmdline, R"({"console":"\"ttyS0,1 2\"","quiet":true,"ro":true})"));
  CHECK(Same(ParseCmdline("console=tty0 console=ttyS0", true)["console"], R"(["tty0","ttyS0"])"));
  CHECK(ParseCmdline("a=\"unclosed", false).dump() == "{}");
  CHECK(Same(ParseResolvConf("# c\nnameserver 1.1.1.1\ndomain x.org\nsearch a b\noptions ndots:2 rotate\n"), R"({"domain":"x.org","nameservers":["1.1.1.1"],"options":{"ndots":"2","rotate":true},"search":["a","b"]})"));
  CHECK(ParseFactIni("[s]\nKey = v\nother: w\n")->dump() == R"({"s":{"key":"v","other":"w"}})");
  CHECK_FALSE(ParseFactIni("no section\n").has_value());
  uint64_t all = (uint64_t{1} << 41) - 1;
  CHECK(CapabilityText(all, all, 0, 40) == "=ep");
  CHECK(CapabilityText(0, 0, 0, 40) == "=");
  uint64_t some = all & ~(uint64_t{1} << 12) & ~(uint64_t{1} << 40);
  CHECK(CapabilityText(some, some, 0, 40) == "=ep cap_net_admin,cap_checkpoint_restore-ep");
  CHECK(CapabilityText(uint64_t{1} << 10, uint64_t{1} << 10, 0, 40) == "cap_net_bind_service=ep");
  CHECK(BytesToHuman(0) == "0.00 Bytes");
  CHECK(BytesToHuman(21474836480.0) == "20.00 GB");
}

TEST_CASE("facts from a Debian 12 fixture carry Ansible's names and values") {
  Json f = ShapeFacts(Fixture());
  CHECK(f["ansible_distribution"] == "Debian");
  CHECK(f["ansible_os_family"] == "Debian");
  // Ansible's Debian version is os-release's VERSION_ID; the point release
  // of /etc/debian_version is the minor version.
  CHECK(f["ansible_distribution_version"] == "12");
  CHECK(f["ansible_distribution_minor_version"] == "5");
  CHECK(f["ansible_distribution_major_version"] == "12");
  CHECK(f["ansible_distribution_release"] == "bookworm");
  CHECK(f["ansible_distribution_file_path"] == "/etc/os-release");
  CHECK(f["ansible_pkg_mgr"] == "apt");
  CHECK(f["ansible_service_mgr"] == "systemd");
  CHECK(f["ansible_hostname"] == "train-1");
  CHECK(f["ansible_fqdn"] == "train-1.ml.internal");
  CHECK(f["ansible_domain"] == "ml.internal");
  CHECK(f["ansible_userspace_bits"] == "64");
  CHECK(f["ansible_memtotal_mb"] == 15921);
  CHECK(f["ansible_memory_mb"]["real"]["total"] == 15921);
  CHECK(f["ansible_processor_vcpus"] == 4);
  CHECK(f["ansible_processor_cores"] == 2);
  CHECK(f["ansible_processor_count"] == 1);
  CHECK(f["ansible_processor_threads_per_core"] == 2);
  CHECK(f["ansible_processor_nproc"] == 4);
  CHECK(f["ansible_processor"][1] == "GenuineIntel");
  CHECK(f["ansible_user_id"] == "ml");
  CHECK(f["ansible_user_dir"] == "/home/ml");
  CHECK(f["ansible_real_user_id"] == 1000);
  CHECK(f["ansible_env"]["LANG"] == "C.UTF-8");
  CHECK(f["ansible_date_time"]["epoch"] == "1700000000");
  CHECK(f["ansible_date_time"]["iso8601"] == "2023-11-14T22:13:20Z");
  CHECK(f["ansible_date_time"]["iso8601_micro"] == "2023-11-14T22:13:20.123456Z");
  CHECK(f["ansible_loadavg"]["1m"] == 0.5);
}

TEST_CASE("system facts: python, lsb, dns, cmdline, selinux, caps, ssh keys, virtualisation") {
  Json f = ShapeFacts(Fixture());
  // /usr/bin/python3 -> python3.11, patch level from the dpkg database.
  CHECK(f["ansible_python"]["version"]["major"] == 3);
  CHECK(Same(f["ansible_python"]["version_info"], R"([3,11,2,"final",0])"));
  CHECK(f["ansible_python"]["executable"] == "/usr/bin/python3");
  CHECK(f["ansible_python_version"] == "3.11.2");
  CHECK(Same(f["ansible_lsb"], R"j({"codename":"bookworm","description":"Debian GNU/Linux 12 (bookworm)","id":"Debian","major_release":"12","release":"12"})j"));
  CHECK(Same(f["ansible_dns"]["nameservers"], R"(["10.0.1.2","10.0.1.3"])"));
  CHECK(Same(f["ansible_proc_cmdline"]["console"], R"(["tty0","ttyS0,115200"])"));
  CHECK(f["ansible_cmdline"]["console"] == "ttyS0,115200");
  CHECK(Same(f["ansible_selinux"], R"({"status":"disabled"})"));
  CHECK(f["ansible_selinux_python_present"] == true);
  CHECK(f["ansible_apparmor"]["status"] == "disabled");
  CHECK(f["ansible_fips"] == false);
  CHECK(f["ansible_system_capabilities_enforced"] == "False");
  CHECK(f["ansible_ssh_host_key_ed25519_public_keytype"] == "ssh-ed25519");
  CHECK(f["ansible_machine_id"] == "0123456789abcdef0123456789abcdef");
  CHECK(f["ansible_virtualization_type"] == "systemd-nspawn");
  CHECK(f["ansible_virtualization_role"] == "guest");
  CHECK(Sorted(f["ansible_virtualization_tech_guest"]) == std::vector<std::string>{"container", "systemd-nspawn"});
  CHECK(f["ansible_product_name"] == "NA");
  CHECK(f["ansible_local"].dump() == "{}");  // filled by the setup module from fact_path
}

TEST_CASE("hardware facts: devices, mounts with bind and duplicate lines, lvm") {
  Json f = ShapeFacts(Fixture());
  const Json& vda = f["ansible_devices"]["vda"];
  CHECK(vda["size"] == "20.00 GB");
  CHECK(vda["scheduler_mode"] == "none");
  CHECK(vda["model"].is_null());
  CHECK(vda["partitions"]["vda1"]["start"] == "2048");
  CHECK(vda["partitions"]["vda1"]["sectorsize"] == 512);
  CHECK(Same(f["ansible_device_links"], R"({"ids":{},"labels":{},"masters":{},"uuids":{}})"));
  const Json& mounts = f["ansible_mounts"];
  REQUIRE(mounts.size() == 2);
  CHECK(mounts[0]["mount"] == "/");
  CHECK(mounts[0]["size_total"] == 100);
  CHECK(mounts[0]["uuid"] == "N/A");
  // The later line for /srv/data wins; its root is not "/" in mountinfo.
  CHECK(mounts[1]["options"] == "ro,relatime,bind");
  CHECK(f["ansible_lvm"] == "N/A");
}

TEST_CASE("network facts: addresses as `ip addr` lists them, defaults as `ip route get` finds them") {
  Json f = ShapeFacts(Fixture());
  CHECK(Sorted(f["ansible_interfaces"]) == std::vector<std::string>{"eth0", "eth0_1", "lo"});
  CHECK(Same(f["ansible_all_ipv4_addresses"], R"(["10.0.1.17","10.0.1.18"])"));
  CHECK(Same(f["ansible_all_ipv6_addresses"], R"(["fd00::17","fe80::1"])"));
  CHECK(Same(f["ansible_eth0"]["ipv4"], R"({"address":"10.0.1.17","broadcast":"10.0.1.255","netmask":"255.255.255.0","network":"10.0.1.0","prefix":"24"})"));
  CHECK(f["ansible_eth0"]["ipv4_secondaries"][0]["address"] == "10.0.1.18");
  CHECK(f["ansible_eth0_1"]["ipv4_secondaries"][0]["address"] == "10.0.1.18");
  CHECK(Same(f["ansible_eth0"]["ipv6"][1], R"({"address":"fe80::1","prefix":"64","scope":"link"})"));
  CHECK(f["ansible_eth0"]["active"] == true);
  CHECK(f["ansible_eth0"]["promisc"] == false);
  CHECK(f["ansible_lo"]["ipv4"]["broadcast"] == "");
  CHECK_FALSE(f["ansible_lo"].contains("macaddress"));
  CHECK(f["ansible_lo"]["type"] == "loopback");
  CHECK(Same(f["ansible_default_ipv4"], R"({"address":"10.0.1.17","alias":"eth0","broadcast":"10.0.1.255","gateway":"10.0.1.1","interface":"eth0","macaddress":"52:54:00:12:34:56","mtu":1500,"netmask":"255.255.255.0","network":"10.0.1.0","prefix":"24","type":"ether"})"));
  CHECK(Same(f["ansible_default_ipv6"], R"({"address":"fd00::17","gateway":"fd00::1","interface":"eth0","macaddress":"52:54:00:12:34:56","mtu":1500,"prefix":"64","scope":"global","type":"ether"})"));
}

TEST_CASE("the fact schema and the shaping code agree") {
  Json f = ShapeFacts(Fixture());
  for (const auto& name : FactNames()) CHECK_MESSAGE(f.contains(name), name);
  for (const auto& [key, value] : f.items()) {
    bool listed = std::find(FactNames().begin(), FactNames().end(), key) != FactNames().end();
    bool interface = value.is_object() && (value.contains("device") || value.contains("ipv4_secondaries"));
    CHECK_MESSAGE((listed || interface), key);
  }
}

TEST_CASE("live facts come back in milliseconds and name this machine") {
  auto start = std::chrono::steady_clock::now();
  FactSources s = ReadFactSources("/");
  ReadLiveFactSources(s);
  Json f = ShapeFacts(s);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(f["ansible_system"] == "Linux");
  CHECK(!f["ansible_kernel"].get<std::string>().empty());
  CHECK(f["ansible_processor_vcpus"].get<int>() > 0);
  CHECK(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() < 2000);
}

}  // namespace tend
