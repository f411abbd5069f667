// Issue 21 on real hosts: a frozen host is given up as unreachable while the
// others finish; `timeout:` fails a task in its time; Ctrl-C prints Ansible's
// message, exits 99 and stops the commands on the hosts; an interrupted
// upload and a loose agent cache are cleaned up on the next contact.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "h21b-reliability";

struct Hosts {
  Lab lab;
  std::vector<LabHost> hosts;
};

Hosts& GetHosts() {
  static Hosts h = [] {
    Hosts h;
    h.lab = UpFreshLab(kLab, "-n 3");
    h.hosts = HostsOf(Slurp(h.lab.inventory));
    return h;
  }();
  return h;
}

std::string PlaybookPath(const std::string& name) {
  return SourceDir() + "/tests/reliability/" + name;
}

// Sends `sig` to every process of the host: those in the pid namespace of the
// sshd listening on its address (never this machine's own namespace).
std::string SignalHostCommand(const std::string& address, const std::string& sig) {
  return "pid=$(ss -Hltnp src " + address +
         ":22 | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2); "
         "ns=$(readlink /proc/$pid/ns/pid); [ -n \"$ns\" ] && "
         "[ \"$ns\" != \"$(readlink /proc/self/ns/pid)\" ] && "
         "for p in /proc/[0-9]*; do [ \"$(readlink $p/ns/pid 2>/dev/null)\" = \"$ns\" ] && "
         "kill -" + sig + " ${p#/proc/} 2>/dev/null; done; true";
}

// How many processes on the host run exactly `command`.
std::string Count(const Lab& lab, const std::string& host_address, const std::string& command) {
  Lab on = lab;
  on.address = host_address;
  return on.On("for p in /proc/[0-9]*; do tr \"\\0\" \" \" < $p/cmdline 2>/dev/null; echo; done | "
               "grep -c \"^" + command + " \" || true");
}

TEST_CASE("a frozen host is unreachable within the keepalive bound; the others finish") {
  Hosts& h = GetHosts();
  const std::string frozen = h.hosts.back().name;
  const std::string frozen_address = h.hosts.back().address;
  auto start = std::chrono::steady_clock::now();
  // The lab's inventory with short keepalives for every host.
  std::string inventory = h.lab.dir + "/keepalive.ini";
  Sh("cp " + h.lab.inventory + " " + inventory + " && printf '\\n[all:vars]\\n"
     "ansible_ssh_extra_args=\"-o ServerAliveInterval=1 -o ServerAliveCountMax=3\"\\n' >> " +
     inventory);
  Run r = Sh("(sleep 3; " + SignalHostCommand(frozen_address, "STOP") + ") & " + h.lab.tend +
             " play -i " + inventory + " " + PlaybookPath("frozen.yml") +
             "; rc=$?; wait; exit $rc");
  auto took = std::chrono::steady_clock::now() - start;
  Sh(SignalHostCommand(frozen_address, "CONT"));
  INFO(r.out);
  CHECK(r.rc == 4);
  CHECK(took < std::chrono::seconds(60));
  auto recap = RecapByHost(r.out);
  CHECK(recap[frozen] == std::array<int, 7>{0, 0, 1, 0, 0, 0, 0});
  for (size_t i = 0; i + 1 < h.hosts.size(); ++i) {
    CHECK(recap[h.hosts[i].name] == std::array<int, 7>{2, 2, 0, 0, 0, 0, 0});
  }
  CHECK(Contains(r.out, "Timeout, server " + h.hosts.back().address +
                            " not responding (no reply for 3 s: ServerAliveInterval 1 x "
                            "ServerAliveCountMax 3)"));
}

TEST_CASE("timeout: fails the task with Ansible's message in about its time, command stopped") {
  Hosts& h = GetHosts();
  auto start = std::chrono::steady_clock::now();
  Run r = Sh(h.lab.tend + " play -i " + h.lab.inventory + " " + SourceDir() +
             "/tests/playbooks/timeouts.yml");
  auto took = std::chrono::steady_clock::now() - start;
  INFO(r.out);
  CHECK(r.rc == 0);
  for (const auto& [host, counts] : RecapByHost(r.out)) {
    CAPTURE(host);
    CHECK(counts == std::array<int, 7>{3, 0, 0, 0, 0, 0, 1});
  }
  CHECK(took < std::chrono::seconds(30));
}

TEST_CASE("Ctrl-C: 'User interrupted execution', exit 99, the hosts' commands stopped") {
  Hosts& h = GetHosts();
  Run r = Sh(h.lab.tend + " play -i " + h.lab.inventory + " " + PlaybookPath("long.yml") +
             " 2>&1 & pid=$!; sleep 6; kill -INT $pid; wait $pid");
  INFO(r.out);
  CHECK(r.rc == 99);
  CHECK(Contains(r.out, "ERROR! User interrupted execution"));
  CHECK_FALSE(Contains(r.out, "PLAY RECAP"));
  for (const auto& host : h.hosts) {
    CAPTURE(host.name);
    CHECK(Count(h.lab, host.address, "sleep 37.5") == "0");
  }
}

TEST_CASE("leftovers: interrupted uploads and copy temp files go, loose cache modes are fixed") {
  Hosts& h = GetHosts();
  const Lab& lab = h.lab;
  lab.On("mkdir -p /root/.cache/tend /tmp/h21b && chmod 777 /root/.cache/tend && "
         "head -c 1000000 /dev/zero > /root/.cache/tend/.agent-0123456789abcdef.99999999 && "
         "head -c 1000000 /dev/zero > /tmp/h21b/.big.tend-tmp-99999999-a1b2c3");
  Run r = lab.Adhoc("copy", "content=small dest=/tmp/h21b/big", "--limit " + h.hosts[0].name);
  INFO(r.out);
  CHECK(r.rc == 0);
  CHECK(Contains(r.out, "[WARNING]: " + h.hosts[0].name +
                            ": /root/.cache/tend was writable by other users; removed their "
                            "write permission"));
  CHECK(lab.On("stat -c %a /root/.cache/tend") == "755");
  CHECK(lab.On("ls -A /root/.cache/tend | grep -c '^[.]agent-' || true") == "0");
  CHECK(lab.On("ls -A /tmp/h21b") == "big");
}

TEST_CASE("the lab comes down") {
  Run down = Sh(GetHosts().lab.tend + " lab down --name " + kLab);
  CHECK(down.rc == 0);
}

}  // namespace
