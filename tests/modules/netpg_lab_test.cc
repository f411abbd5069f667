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

namespace {

constexpr const char* kLab = "netpg";
constexpr int kPgPort = 55432;  // not 5432: lab hosts share the machine's ports

struct Run {
  int rc = -1;
  std::string out;
  double seconds = 0;
};

std::string Env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

Run Sh(const std::string& command) {
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

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// {ok, changed, unreachable, failed, skipped, rescued, ignored} of the first recap line.
std::array<int, 7> RecapOf(const std::string& out) {
  static const std::regex line(
      R"(\S+\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+))");
  std::smatch m;
  std::array<int, 7> counts{-1, -1, -1, -1, -1, -1, -1};
  if (std::regex_search(out, m, line)) {
    for (int i = 0; i < 7; ++i) counts[i] = std::stoi(m[i + 1]);
  }
  return counts;
}

struct Lab {
  std::string tend;
  std::string inventory;
  std::string dir;
  std::string address;
  std::string work;  // the test's scratch directory on the machine
  int http_port = 0;
  pid_t server = -1;

  Run Play(const std::string& playbook, const std::string& vars) const {
    return Sh(tend + " play -i " + inventory + " -e '" + vars + "' tests/modules/netpg/" + playbook);
  }
  Run Adhoc(const std::string& module, const std::string& args) const {
    return Sh(tend + " run -i " + inventory + " all -m " + module + " -a '" + args + "'");
  }
  std::string On(const std::string& command) const {
    return Trim(Sh("ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes "
                   "-o UserKnownHostsFile=" + dir + "/known_hosts -i " + dir + "/id_ed25519 root@" +
                   address + " '" + command + "'")
                    .out);
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

Lab& GetLab() {
  static Lab lab = [] {
    Lab l;
    std::string bin = Env("TEND_BINARY_DIR", "build");
    l.tend = bin + "/controller/cli/tend";
    setenv("TEND_AGENT_PATH", (bin + "/agent/tend-agent").c_str(), 0);
    std::string name = std::string(" --name ") + kLab;
    Run up = Sh(l.tend + " lab up -n 1" + name);
    INFO(up.out);
    REQUIRE(up.rc == 0);
    Run reset = Sh(l.tend + " lab reset" + name);
    INFO(reset.out);
    REQUIRE(reset.rc == 0);
    l.inventory = Trim(Sh(l.tend + " lab inventory --path" + name).out);
    l.dir = std::filesystem::path(l.inventory).parent_path().string();
    std::smatch m;
    std::string text = Slurp(l.inventory);
    REQUIRE(std::regex_search(text, m, std::regex(R"(ansible_host=(\S+))")));
    l.address = m[1];
    Sh("ssh -o BatchMode=yes -o UserKnownHostsFile=" + l.dir + "/known_hosts -i " + l.dir +
       "/id_ed25519 root@" + l.address + " systemctl is-system-running --wait");
    l.work = (std::filesystem::temp_directory_path() / ("tend-netpg-" + std::to_string(getpid()))).string();
    std::filesystem::create_directories(l.work + "/www");
    l.http_port = 20000 + getpid() % 20000;
    return l;
  }();
  return lab;
}

std::string Vars(const Lab& lab) {
  return "{\"port\": " + std::to_string(lab.http_port) + ", \"pg_port\": " + std::to_string(kPgPort) +
         ", \"wheel_dir\": \"" + lab.work + "/wheels\"";
}

}  // namespace

TEST_CASE("http: get_url, uri, wait_for against a loopback server; second run unchanged") {
  Lab& lab = GetLab();
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
  Lab& lab = GetLab();
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
  Lab& lab = GetLab();
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
  Lab& lab = GetLab();
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
