#pragma once

// Shared helpers for the lab tests: run a shell command and capture what it
// printed, read a `tend play` recap, and bring up a named lab of systemd-booted
// hosts driven through the built `tend` binary. Every lab test used to carry
// its own copy of these (header-only; tests only).

#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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

inline std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
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

/// {ok, changed, unreachable, failed, skipped, rescued, ignored} of the first
/// recap line; all -1 when there is none.
inline std::array<int, 7> RecapOf(const std::string& out) {
  static const std::regex line(
      R"(\S+\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+))");
  std::smatch m;
  std::array<int, 7> counts{-1, -1, -1, -1, -1, -1, -1};
  if (std::regex_search(out, m, line)) {
    for (int i = 0; i < 7; ++i) counts[i] = std::stoi(m[i + 1]);
  }
  return counts;
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
    return Sh("ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes "
              "-o UserKnownHostsFile=" + dir + "/known_hosts -i " + key + " " + user + "@" +
              address + " '" + command + "'");
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
    return On("DEBIAN_FRONTEND=noninteractive apt-get -qq update >/dev/null && "
              "DEBIAN_FRONTEND=noninteractive apt-get -qq install -y " + package +
              " >/dev/null; echo rc=$?");
  }
};

/// Brings up (or reuses) the lab `name` with one host, resets it to the stock
/// image and waits until its systemd has finished booting.
inline Lab StartLab(const std::string& name, const std::string& playbooks = "") {
  Lab l;
  l.name = name;
  l.playbooks = playbooks;
  std::string bin = Env("TEND_BINARY_DIR", "build");
  l.tend = bin + "/controller/cli/tend";
  setenv("TEND_AGENT_PATH", (bin + "/agent/tend-agent").c_str(), 0);
  std::string flag = " --name " + name;
  Run up = Sh(l.tend + " lab up -n 1" + flag);
  INFO(up.out);
  REQUIRE(up.rc == 0);
  Run reset = Sh(l.tend + " lab reset" + flag);
  INFO(reset.out);
  REQUIRE(reset.rc == 0);
  l.inventory = Trim(Sh(l.tend + " lab inventory --path" + flag).out);
  l.dir = std::filesystem::path(l.inventory).parent_path().string();
  std::smatch m;
  std::string text = Slurp(l.inventory);
  REQUIRE(std::regex_search(text, m, std::regex(R"(ansible_host=(\S+))")));
  l.address = m[1];
  l.On("systemctl is-system-running --wait");
  return l;
}

}  // namespace tend::labtest
