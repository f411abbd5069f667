// Brings up a lab of three hosts with the built `tend` and checks them with
// plain OpenSSH: strict host-key checking against the lab's known_hosts,
// separate filesystems, systemd running where booted, reset, and a `down`
// that leaves no mounts and no processes behind.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "labtest";

// Lines of every mount namespace's table, and every live process's cgroups,
// that mention the lab.
std::string LeftoversOf(const std::string& lab_dir) {
  std::string found;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    // A zombie holds nothing; the machine's init reaps the hosts' leaders.
    std::string stat = Slurp("/proc/" + pid + "/stat");
    size_t paren = stat.rfind(')');
    if (paren == std::string::npos || stat.compare(paren + 2, 1, "Z") == 0) continue;
    std::istringstream mounts(Slurp("/proc/" + pid + "/mountinfo"));
    for (std::string l; std::getline(mounts, l);) {
      if (l.find(lab_dir) != std::string::npos) found += "pid " + pid + " mount: " + l + "\n";
    }
    std::istringstream cgroups(Slurp("/proc/" + pid + "/cgroup"));
    for (std::string l; std::getline(cgroups, l);) {
      if (l.find(std::string("/tend-lab/") + kLab + "/") != std::string::npos) {
        found += "pid " + pid + " cgroup: " + l + "\n";
      }
    }
  }
  return found;
}

}  // namespace

TEST_CASE("tend lab: three real hosts, strict ssh, separate, reset, clean down") {
  REQUIRE_MESSAGE(geteuid() == 0, "lab tests need root (they mount overlays, start containers)");
  std::string tend = TendBinary();
  std::string lab = std::string(" --name ") + kLab;
  Sh(tend + " lab down" + lab);  // whatever an interrupted earlier run left

  Run up = Sh(tend + " lab up -n 3" + lab);
  INFO(up.out);
  REQUIRE(up.rc == 0);
  std::string inventory_path = Trim(Sh(tend + " lab inventory --path" + lab).out);
  std::string lab_dir = std::filesystem::path(inventory_path).parent_path().string();
  auto hosts = HostsOf(Slurp(inventory_path));
  REQUIRE(hosts.size() == 3);
  std::string ssh =
      "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=" + lab_dir +
      "/known_hosts -i " + lab_dir + "/id_ed25519 root@";
  auto on = [&](const LabHost& h, const std::string& command) {
    return Sh(ssh + h.address + " '" + command + "'");
  };

  for (const auto& h : hosts) {
    Run r = on(h, "hostname");
    INFO(h.address, ": ", r.out);
    CHECK(r.rc == 0);
    CHECK(Trim(r.out) == h.name);
  }

  // Separate machines: a file written on one is absent on the others.
  REQUIRE(on(hosts[0], "echo here > /root/tend-lab-probe").rc == 0);
  CHECK(on(hosts[0], "test -e /root/tend-lab-probe").rc == 0);
  CHECK(on(hosts[1], "test ! -e /root/tend-lab-probe").rc == 0);
  CHECK(on(hosts[2], "test ! -e /root/tend-lab-probe").rc == 0);

  // systemd runs where the hosts are booted.
  Run status = Sh(tend + " lab status" + lab);
  INFO(status.out);
  CHECK(status.rc == 0);
  if (status.out.find("(nspawn)") != std::string::npos) {
    for (const auto& h : hosts) {
      Run r = on(h, "systemctl is-system-running --wait");
      INFO(h.name, ": ", r.out);
      CHECK((Trim(r.out) == "running" || Trim(r.out) == "degraded"));
    }
  } else {
    MESSAGE("hosts run as chroot + sshd here (no systemd-nspawn boot); systemd not checked");
  }

  // `up` again keeps the same hosts (same pids) running.
  Run again = Sh(tend + " lab up -n 3" + lab);
  INFO(again.out);
  CHECK(again.rc == 0);
  CHECK(Sh(tend + " lab status" + lab).out == status.out);

  // Reset gives node1 a fresh overlay; its host key (and known_hosts) stay.
  Run reset = Sh(tend + " lab reset --hosts " + hosts[0].name + lab);
  INFO(reset.out);
  REQUIRE(reset.rc == 0);
  CHECK(on(hosts[0], "test ! -e /root/tend-lab-probe").rc == 0);
  CHECK(on(hosts[1], "hostname").rc == 0);

  Run down = Sh(tend + " lab down" + lab);
  INFO(down.out);
  CHECK(down.rc == 0);
  CHECK_FALSE(std::filesystem::exists(lab_dir));
  CHECK(LeftoversOf(lab_dir) == "");
  for (const auto& h : hosts) {
    CHECK(Sh("timeout 5 bash -c 'exec 3<>/dev/tcp/" + h.address + "/22' ").rc != 0);
  }
}
