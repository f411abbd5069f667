// wait_for, uri, get_url, pip and postgresql_* against a real systemd-booted
// lab host, driven through the built `tend` binary with the playbooks in
// tests/modules/netpg/. The HTTP server runs on the machine (127.0.0.1; lab
// hosts share its network); PostgreSQL and python3-venv come from the Debian
// mirror onto the host. Every playbook runs twice: the second run changes nothing.
#include <doctest/doctest.h>
#include <signal.h>
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

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "netpg";
constexpr int kPgPort = 55432;  // not 5432: lab hosts share the machine's ports

struct NetpgLab : Lab {
  std::string work;  // the test's scratch directory on the machine
  int http_port = 0;
  pid_t server = -1;

  Run Play(const std::string& playbook, const std::string& vars) const {
    return Lab::Play(playbook, "-e '" + vars + "'");
  }
};

// The loopback HTTP server (tests/modules/netpg/server.py), started directly
// so the test knows its pid and ends exactly that process.
pid_t StartServer(int port, const std::string& root) {
  pid_t pid = fork();
  if (pid == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen((root + "/../server.log").c_str(), "w", stderr);
    execlp("python3", "python3", "tests/modules/netpg/server.py", std::to_string(port).c_str(),
           root.c_str(), nullptr);
    _exit(127);
  }
  return pid;
}

NetpgLab& GetLab() {
  static NetpgLab lab = [] {
    NetpgLab l;
    static_cast<Lab&>(l) = StartLab(kLab, "tests/modules/netpg");
    l.work = (std::filesystem::temp_directory_path() / ("tend-netpg-" + std::to_string(getpid()))).string();
    std::filesystem::create_directories(l.work + "/www");
    l.http_port = 20000 + getpid() % 20000;
    return l;
  }();
  return lab;
}

std::string Vars(const NetpgLab& lab) {
  return "{\"port\": " + std::to_string(lab.http_port) + ", \"pg_port\": " + std::to_string(kPgPort) +
         ", \"wheel_dir\": \"" + lab.work + "/wheels\"";
}

}  // namespace

TEST_CASE("http: get_url, uri, wait_for against a loopback server; second run unchanged") {
  NetpgLab& lab = GetLab();
  {
    std::ofstream model(lab.work + "/www/model.bin", std::ios::binary);
    for (int i = 0; i < 200000; ++i) model << static_cast<char>(i * 7919 % 251);
    std::ofstream(lab.work + "/www/data.json") << "{\"name\": \"tend\", \"version\": 1}\n";
  }
  std::string sha256 = Trim(Sh("sha256sum " + lab.work + "/www/model.bin | cut -d' ' -f1").out);
  lab.server = StartServer(lab.http_port, lab.work + "/www");
  std::string vars = Vars(lab) + ", \"sha256\": \"" + sha256 + "\"}";
  Run first = lab.Play("http.yml", vars);
  INFO(first.out);
  CHECK(first.rc == 0);
  auto recap = RecapOf(first.out);
  CHECK(recap[1] == 2);  // the two downloads
  CHECK(recap[3] == 0);
  CHECK(recap[6] == 2);  // the 404 and the closed port, ignored
  CHECK(lab.On("stat -c %a:%s /opt/model.bin") == "640:200000");
  CHECK(lab.On("sha256sum /opt/model.bin | cut -d\" \" -f1") == sha256);
  CHECK(lab.On("cat /opt/chunked") == "streamed in chunks");
  CHECK(lab.On("ls -a /opt | grep -c tend-get_url") == "0");
  Run second = lab.Play("http.yml", vars);
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out)[1] == 0);
  MESSAGE("http.yml: first run " << first.seconds << " s, second run " << second.seconds << " s");
  // A download that does not match its checksum fails and leaves nothing behind.
  Run wrong = lab.Adhoc("get_url", "url=http://127.0.0.1:" + std::to_string(lab.http_port) +
                                       "/model.bin dest=/opt/bad.bin checksum=sha256:" + std::string(64, '0'));
  CHECK(wrong.rc == 2);
  CHECK(wrong.out.find("did not match") != std::string::npos);
  CHECK(lab.On("ls /opt/bad.bin 2>&1 | grep -c \"No such\"") == "1");
  kill(lab.server, SIGTERM);
  waitpid(lab.server, nullptr, 0);
}

TEST_CASE("packages the pip and PostgreSQL cases need, from the Debian mirror") {
  NetpgLab& lab = GetLab();
  // No main cluster on install: the test creates one on its own port.
  Run prepared = lab.Adhoc(
      "shell",
      "mkdir -p /etc/postgresql-common && echo \"create_main_cluster = false\" > "
      "/etc/postgresql-common/createcluster.conf && apt-get update -q && "
      "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-venv "
      "postgresql sudo && pg_createcluster -p " + std::to_string(kPgPort) + " 15 main && "
      // Started through systemd: a server started from the shell keeps the
      // task's output pipes open and the task would never end.
      "systemctl start postgresql@15-main");
  INFO(prepared.out);
  REQUIRE(prepared.rc == 0);
  MESSAGE("apt-get install python3-venv postgresql sudo: " << prepared.seconds << " s");
}

TEST_CASE("pip: venv from python3 -m venv, local wheel only; second run unchanged") {
  NetpgLab& lab = GetLab();
  REQUIRE(Sh("python3 tests/modules/netpg/make_wheel.py " + lab.work + "/wheels").rc == 0);
  std::string vars = Vars(lab) + "}";
  Run first = lab.Play("pip.yml", vars);
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(RecapOf(first.out)[1] == 3);  // the directory, the wheel, the venv with it installed
  Run second = lab.Play("pip.yml", vars);
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out)[1] == 0);
  MESSAGE("pip.yml: first run " << first.seconds << " s, second run " << second.seconds << " s");
  Run gone = lab.Adhoc("pip", "name=tendtiny state=absent virtualenv=/opt/venv");
  CHECK(gone.rc == 0);
  CHECK(gone.out.find("changed") != std::string::npos);
  CHECK(lab.On("/opt/venv/bin/pip list --format=freeze | grep -c tendtiny") == "0");
}

TEST_CASE("postgresql: role with password, database, queries; second run unchanged; password login") {
  NetpgLab& lab = GetLab();
  std::string vars = Vars(lab) + "}";
  Run first = lab.Play("postgres.yml", vars);
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(RecapOf(first.out)[1] == 3);  // the role, the database, the grant
  CHECK(first.out.find("s3cret") == std::string::npos);
  Run second = lab.Play("postgres.yml", vars);
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out)[1] == 0);
  MESSAGE("postgres.yml: first run " << first.seconds << " s, second run " << second.seconds << " s");
  CHECK(lab.On("cd / && runuser -u postgres -- psql -X -p " + std::to_string(kPgPort) +
               " -d mlflow -tAc \"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = "
               "current_database()\"") == "mlflow");
}
