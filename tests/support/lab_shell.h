#pragma once

// The lab-test harness every lab test uses: find the built binaries, run a
// shell command and capture what it printed, read a `tend play` recap, and
// bring up a named lab of systemd-booted hosts driven through the built
// `tend` binary (header-only; tests only).

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace tend::labtest {

struct Run {
  int rc = -1;
  std::string out;  // stdout and stderr together
  double seconds = 0;
};

/// The variable's value; unset and empty both give `fallback`.
inline std::string Env(const char* name, const std::string& fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

/// Where ctest's build tree and the sources are (by hand: ./build and . from
/// the source root), absolute so that commands run elsewhere find them.
inline std::string BinaryDir() {
  return std::filesystem::absolute(Env("TEND_BINARY_DIR", "build")).string();
}
inline std::string SourceDir() {
  return std::filesystem::absolute(Env("TEND_SOURCE_DIR", ".")).string();
}
inline std::string TendBinary() { return BinaryDir() + "/controller/cli/tend"; }
inline std::string AgentBinary() {
  return Env("TEND_AGENT_PATH", BinaryDir() + "/agent/tend-agent");
}
/// Makes the controller upload the agent of this build (unless set already).
inline void UseBuiltAgent() { setenv("TEND_AGENT_PATH", AgentBinary().c_str(), 0); }

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// Runs `command` with /bin/sh, stderr folded into stdout.
inline Run Sh(const std::string& command) {
  Run r;
  auto start = std::chrono::steady_clock::now();
  std::FILE* p = popen((command + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

inline std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// host -> {ok, changed, unreachable, failed, skipped, rescued, ignored} of
/// every PLAY RECAP line, in the order printed (a host's last line wins).
inline std::vector<std::pair<std::string, std::array<int, 7>>> RecapLines(const std::string& out) {
  static const std::regex line(
      R"((\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+))");
  std::vector<std::pair<std::string, std::array<int, 7>>> lines;
  for (std::sregex_iterator it(out.begin(), out.end(), line), end; it != end; ++it) {
    std::array<int, 7> counts{};
    for (int i = 0; i < 7; ++i) counts[i] = std::stoi((*it)[i + 2]);
    lines.emplace_back((*it)[1], counts);
  }
  return lines;
}

/// The recap by host.
inline std::map<std::string, std::array<int, 7>> RecapByHost(const std::string& out) {
  std::map<std::string, std::array<int, 7>> recap;
  for (auto& [host, counts] : RecapLines(out)) recap[host] = counts;
  return recap;
}

/// The counts of the first recap line; all -1 when there is none.
inline std::array<int, 7> RecapOf(const std::string& out) {
  auto lines = RecapLines(out);
  if (lines.empty()) return {-1, -1, -1, -1, -1, -1, -1};
  return lines.front().second;
}

/// `tend run` printed a CHANGED / an unchanged SUCCESS result.
inline bool Changed(const Run& r) { return r.out.find("| CHANGED =>") != std::string::npos; }
inline bool Unchanged(const Run& r) {
  return r.rc == 0 && r.out.find("| SUCCESS =>") != std::string::npos;
}

/// A one-host lab named `name`, up and reset to the stock image, with its
/// inventory; commands on the host run over plain OpenSSH as root.
struct Lab {
  std::string name;
  std::string tend;       // the built controller
  std::string inventory;  // the lab's inventory file
  std::string dir;        // the lab's directory (keys, known_hosts)
  std::string address;    // the host's ansible_host
  std::string playbooks;  // where Play finds playbooks ("" = paths from the source root)

  /// `tend play` of `playbook`.
  Run Play(const std::string& playbook, const std::string& extra = "") const {
    std::string path = playbooks.empty() ? playbook : playbooks + "/" + playbook;
    return Sh(tend + " play -i " + inventory + " " + extra + " " + path);
  }
  /// Ad-hoc `tend run all -m module -a 'args'`.
  Run Adhoc(const std::string& module, const std::string& args,
            const std::string& extra = "") const {
    return Sh(tend + " run -i " + inventory + " all " + extra + " -m " + module + " -a '" + args +
              "'");
  }
  Run Ssh(const std::string& user, const std::string& key, const std::string& command) const {
    return Sh(
        "ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes -o "
        "ConnectTimeout=10 "
        "-o UserKnownHostsFile=" +
        dir + "/known_hosts -i " + key + " " + user + "@" + address + " '" + command + "'");
  }
  /// Output of `command` run as root on the host, trailing newlines trimmed.
  std::string On(const std::string& command) const {
    return Trim(Ssh("root", dir + "/id_ed25519", command).out);
  }
  /// Installs `package` from the Debian mirror inside the host unless `probe`
  /// (a shell test) already holds: the stock image lacks some tools a module
  /// drives. Returns the installer's output, ending in "rc=0" on success.
  std::string EnsurePackage(const std::string& probe, const std::string& package) const {
    if (On(probe + " && echo yes") == "yes") return "rc=0";
    return On(
        "DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null && "
        "DEBIAN_FRONTEND=noninteractive apt-get -qq install -y " +
        package + " >/dev/null; echo rc=$?");
  }
};

struct LabHost {
  std::string name;
  std::string address;
};

/// The "name ansible_host=address" lines of a generated inventory, in order.
inline std::vector<LabHost> HostsOf(const std::string& inventory) {
  std::vector<LabHost> hosts;
  static const std::regex line(R"((^|\n)(\S+) ansible_host=(\S+))");
  for (std::sregex_iterator it(inventory.begin(), inventory.end(), line), end; it != end; ++it) {
    hosts.push_back({(*it)[2], (*it)[3]});
  }
  return hosts;
}

/// Brings up (or reuses) the lab `name` and resets its hosts to the stock
/// image. `up_args` says which hosts ("-n 1", "--hosts a,b --write-inventory
/// path"); the Lab's address is the first host's.
inline Lab UpFreshLab(const std::string& name, const std::string& up_args = "-n 1") {
  Lab l;
  l.name = name;
  l.tend = TendBinary();
  UseBuiltAgent();
  std::string flag = " --name " + name;
  Run up = Sh(l.tend + " lab up " + up_args + flag);
  INFO(up.out);
  REQUIRE(up.rc == 0);
  Run reset = Sh(l.tend + " lab reset" + flag);
  INFO(reset.out);
  REQUIRE(reset.rc == 0);
  l.inventory = Trim(Sh(l.tend + " lab inventory --path" + flag).out);
  l.dir = std::filesystem::path(l.inventory).parent_path().string();
  auto hosts = HostsOf(Slurp(l.inventory));
  REQUIRE_FALSE(hosts.empty());
  l.address = hosts.front().address;
  return l;
}

/// A one-host lab `name`, fresh, once its systemd has finished booting.
inline Lab StartLab(const std::string& name, const std::string& playbooks = "") {
  Lab l = UpFreshLab(name);
  l.playbooks = playbooks;
  l.On("systemctl is-system-running --wait");
  return l;
}

/// The Debian mirror `tend lab` reads from this machine's apt sources, for
/// tests that point a host at a repository (no mirror is written into them).
inline std::string MachineDebianMirror() {
  Run mirror = Sh(TendBinary() + " lab mirror");
  INFO(mirror.out);
  REQUIRE(mirror.rc == 0);
  return Trim(mirror.out);
}

}  // namespace tend::labtest
