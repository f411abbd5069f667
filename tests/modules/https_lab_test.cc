// HTTPS from the agent against a real lab host: the test makes a CA and
// server certificates with the openssl CLI, serves HTTPS and a CONNECT proxy
// from this machine on 127.0.0.1 (tests/modules/https/server.py; lab hosts
// share the machine's network), installs the CA into the host's store with
// update-ca-certificates, and runs tests/modules/https/https.yml twice: get_url,
// uri and apt_key verified, a wrong name and an unknown CA refused with
// Ansible's words, validate_certs: false accepted, the proxy used when
// https_proxy is set in environment:, and nothing changed the second time.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "h22-https";
constexpr int kServerLifetimeSeconds = 900;

// A CA, and a server certificate it signs for `name`; the server's chain
// file holds the leaf and the CA, as servers send them.
void MakeCertificates(const std::string& dir, const std::string& ca, const std::string& name) {
  std::string base = dir + "/" + ca;
  Run made = Sh(
      "set -e; cd " + dir + "; "
      "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=" + ca + " test CA' "
      "-keyout " + base + "-ca.key -out " + base + "-ca.crt 2>/dev/null; "
      "openssl req -newkey rsa:2048 -nodes -subj '/CN=" + name + "' "
      "-keyout " + base + "-server.key -out " + base + "-server.csr 2>/dev/null; "
      "printf 'subjectAltName=DNS:" + name + "\\n' > " + base + "-san.ext; "
      "openssl x509 -req -in " + base + "-server.csr -CA " + base + "-ca.crt -CAkey " + base +
      "-ca.key -CAcreateserial -days 2 -extfile " + base + "-san.ext -out " + base +
      "-server.crt 2>/dev/null; "
      "cat " + base + "-server.crt " + base + "-ca.crt > " + base + "-chain.crt");
  INFO(made.out);
  REQUIRE(made.rc == 0);
}

pid_t StartServers(const std::string& work, int port, int unknown_port, int proxy_port) {
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen((work + "/server.log").c_str(), "w", stderr);
    execlp("python3", "python3", "tests/modules/https/server.py", (work + "/www").c_str(),
           std::to_string(port).c_str(), (work + "/trusted-chain.crt").c_str(),
           (work + "/trusted-server.key").c_str(), std::to_string(unknown_port).c_str(),
           (work + "/unknown-chain.crt").c_str(), (work + "/unknown-server.key").c_str(),
           std::to_string(proxy_port).c_str(), (work + "/proxy.log").c_str(),
           std::to_string(kServerLifetimeSeconds).c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

// Ends the servers and removes the scratch directory however the test ends.
struct Servers {
  pid_t pid = -1;
  std::string work;
  ~Servers() {
    if (pid > 0) {
      kill(pid, SIGTERM);
      waitpid(pid, nullptr, 0);
    }
    if (!work.empty()) std::filesystem::remove_all(work);
  }
};

}  // namespace

TEST_CASE("https: get_url, uri, apt_key verified by the host's CA store, through a proxy") {
  Lab lab = StartLab(kLab, "tests/modules/https");
  std::string work =
      (std::filesystem::temp_directory_path() / ("tend-h22-https-" + std::to_string(getpid()))).string();
  std::filesystem::create_directories(work + "/www");
  MakeCertificates(work, "trusted", "repo.h22.test");
  MakeCertificates(work, "unknown", "repo.h22.test");
  std::filesystem::copy_file(SourceDir() + "/modules/testing/testdata/packages/debian-bookworm-stable.asc",
                             work + "/www/key.asc");
  std::ofstream(work + "/www/data.json") << "{\"name\": \"h22\"}\n";
  int port = 20000 + getpid() % 15000;
  Servers servers{.pid = StartServers(work, port, port + 1, port + 2), .work = work};

  // The host trusts the test CA the way an administrator adds one.
  std::string installed = lab.EnsurePackage("command -v update-ca-certificates", "ca-certificates");
  INFO(installed);
  REQUIRE(installed.ends_with("rc=0"));
  Run ca = lab.Adhoc("copy", "src=" + work + "/trusted-ca.crt dest=/usr/local/share/ca-certificates/h22-test.crt");
  INFO(ca.out);
  REQUIRE(ca.rc == 0);
  REQUIRE(lab.On("update-ca-certificates >/dev/null 2>&1 && echo ok") == "ok");
  lab.On("echo '127.0.0.1 repo.h22.test wrong.h22.test' >> /etc/hosts");

  std::string sha256 = Trim(Sh("sha256sum " + work + "/www/key.asc | cut -d' ' -f1").out);
  std::string data_sha256 = Trim(Sh("sha256sum " + work + "/www/data.json | cut -d' ' -f1").out);
  std::string vars = "-e '{\"port\": " + std::to_string(port) + ", \"unknown_port\": " +
                     std::to_string(port + 1) + ", \"proxy_port\": " + std::to_string(port + 2) +
                     ", \"sha256\": \"" + sha256 + "\", \"data_sha256\": \"" + data_sha256 + "\"}'";
  Run first = lab.Play("https.yml", vars);
  INFO(first.out);
  CHECK(first.rc == 0);
  auto recap = RecapOf(first.out);
  CHECK(recap[1] == 4);  // the directories, key.asc, the proxied download, the keyring
  CHECK(recap[3] == 0);
  CHECK(recap[6] == 3);  // wrong name, unknown CA twice: ignored
  CHECK(lab.On("sha256sum /opt/h22/key.asc | cut -d\" \" -f1") == sha256);
  CHECK(lab.On("cat /opt/h22/proxied/data.json") == "{\"name\": \"h22\"}");
  CHECK(lab.On("test -s /etc/apt/keyrings/h22.gpg && echo yes") == "yes");
  // The proxied task went through the tunnel; no other task did.
  std::string tunnels = Slurp(work + "/proxy.log");
  CHECK(tunnels == "CONNECT repo.h22.test:" + std::to_string(port) + " HTTP/1.1\n");

  Run second = lab.Play("https.yml", vars);
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out)[1] == 0);
  MESSAGE("https.yml: first run " << first.seconds << " s, second run " << second.seconds << " s");
}
