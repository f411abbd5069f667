// The system modules (systemd_service/systemd/service, authorized_key,
// timezone) against a real systemd-booted lab host, driven through the built
// `tend` binary: playbooks from tests/modules/system/ and ad-hoc `tend run`.
// What the modules did is checked on the host itself over plain OpenSSH.
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

namespace {

constexpr const char* kLab = "system";

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

// host -> {ok, changed, unreachable, failed, skipped, rescued, ignored}
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

  Run Play(const std::string& playbook, const std::string& extra = "") const {
    return Sh(tend + " play -i " + inventory + " " + extra + " tests/modules/system/" + playbook);
  }
  Run Adhoc(const std::string& module, const std::string& args, const std::string& extra = "") const {
    return Sh(tend + " run -i " + inventory + " all " + extra + " -m " + module + " -a '" + args +
              "'");
  }
  Run Ssh(const std::string& user, const std::string& key, const std::string& command) const {
    return Sh("ssh -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes "
              "-o UserKnownHostsFile=" + dir + "/known_hosts -i " + key + " " + user + "@" +
              address + " '" + command + "'");
  }
  std::string On(const std::string& command) const {
    return Trim(Ssh("root", dir + "/id_ed25519", command).out);
  }
};

const Lab& GetLab() {
  static Lab lab = [] {
    Lab l;
    std::string bin = Env("TEND_BINARY_DIR", "build");
    l.tend = bin + "/controller/cli/tend";
    setenv("TEND_AGENT_PATH", (bin + "/agent/tend-agent").c_str(), 0);
    std::string name = std::string(" --name ") + kLab;
    Run up = Sh(l.tend + " lab up -n 1" + name);
    INFO(up.out);
    REQUIRE(up.rc == 0);
    // A fresh overlay: every first run below starts from the stock image.
    Run reset = Sh(l.tend + " lab reset" + name);
    INFO(reset.out);
    REQUIRE(reset.rc == 0);
    l.inventory = Trim(Sh(l.tend + " lab inventory --path" + name).out);
    l.dir = std::filesystem::path(l.inventory).parent_path().string();
    std::smatch m;
    std::string text = Slurp(l.inventory);
    REQUIRE(std::regex_search(text, m, std::regex(R"(ansible_host=(\S+))")));
    l.address = m[1];
    Run status = Sh(l.tend + " lab status" + name);
    REQUIRE_MESSAGE(status.out.find("(nspawn)") != std::string::npos,
                    (std::string("the system lab test needs systemd-booted (nspawn) hosts: ") + status.out));
    Sh("ssh -o BatchMode=yes -o UserKnownHostsFile=" + l.dir + "/known_hosts -i " + l.dir +
       "/id_ed25519 root@" + l.address + " systemctl is-system-running --wait");
    return l;
  }();
  return lab;
}

bool Changed(const Run& r) { return r.out.find("| CHANGED =>") != std::string::npos; }
bool Unchanged(const Run& r) { return r.rc == 0 && r.out.find("| SUCCESS =>") != std::string::npos; }

TEST_CASE("systemd_service: daemon_reload + started + enabled, then nothing to do") {
  REQUIRE_MESSAGE(geteuid() == 0, "lab tests need root");
  const Lab& lab = GetLab();
  Run first = lab.Play("services.yml");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(RecapOf(first.out) == std::array<int, 7>{6, 2, 0, 0, 0, 0, 0});
  CHECK(lab.On("systemctl is-active tend-demo") == "active");
  CHECK(lab.On("systemctl is-enabled tend-demo") == "enabled");

  Run second = lab.Play("services.yml");
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out) == std::array<int, 7>{6, 0, 0, 0, 0, 0, 0});
}

TEST_CASE("systemd_service: stopped, check mode, restarted, reloaded, masked, missing unit") {
  const Lab& lab = GetLab();
  lab.Play("services.yml");

  Run check = lab.Adhoc("systemd", "name=tend-demo state=stopped", "--check");
  INFO(check.out);
  CHECK(Changed(check));
  CHECK(lab.On("systemctl is-active tend-demo") == "active");

  Run stop = lab.Adhoc("systemd_service", "name=tend-demo.service state=stopped");
  CHECK(Changed(stop));
  CHECK(lab.On("systemctl is-active tend-demo") == "inactive");
  CHECK(Unchanged(lab.Adhoc("systemd_service", "name=tend-demo state=stopped")));

  CHECK(Changed(lab.Adhoc("service", "name=tend-demo state=started")));
  std::string pid = lab.On("systemctl show -P MainPID tend-demo");
  Run restart = lab.Adhoc("systemd_service", "name=tend-demo state=restarted");
  INFO(restart.out);
  CHECK(Changed(restart));
  CHECK(restart.out.find("\"state\": \"started\"") != std::string::npos);
  CHECK(lab.On("systemctl show -P MainPID tend-demo") != pid);
  CHECK(Changed(lab.Adhoc("systemd_service", "name=tend-demo state=reloaded")));

  CHECK(Changed(lab.Adhoc("systemd_service", "name=tend-demo enabled=no")));
  CHECK(lab.On("systemctl is-enabled tend-demo") == "disabled");
  CHECK(Unchanged(lab.Adhoc("systemd_service", "name=tend-demo enabled=no")));

  lab.Adhoc("systemd_service", "name=tend-demo state=stopped");
  // systemd refuses to mask a unit whose file lives in /etc/systemd/system
  // (the mask link goes there), and the module says so.
  Run refused = lab.Adhoc("systemd_service", "name=tend-demo masked=yes");
  CHECK(refused.out.find("Unable to mask service tend-demo: Failed to mask unit: File "
                         "/etc/systemd/system/tend-demo.service already exists.") !=
        std::string::npos);
  // A vendor unit (under /usr/lib) masks and unmasks.
  lab.Adhoc("shell", "printf \"[Service]\\nExecStart=/bin/true\\n\" > "
                     "/usr/lib/systemd/system/tend-mask.service");
  CHECK(Changed(lab.Adhoc("systemd_service", "name=tend-mask daemon_reload=yes masked=yes")));
  CHECK(lab.On("systemctl is-enabled tend-mask") == "masked");
  CHECK(Unchanged(lab.Adhoc("systemd_service", "name=tend-mask masked=yes")));
  CHECK(Changed(lab.Adhoc("systemd_service", "name=tend-mask masked=no")));
  CHECK(lab.On("systemctl is-enabled tend-mask") == "static");

  Run missing = lab.Adhoc("systemd_service", "name=tend-no-such-unit state=started");
  INFO(missing.out);
  CHECK(missing.rc == 2);
  CHECK(missing.out.find("Could not find the requested service tend-no-such-unit: host") !=
        std::string::npos);
}

TEST_CASE("systemd_service: time of an idempotent task") {
  const Lab& lab = GetLab();
  lab.Play("services.yml");
  Run one = lab.Adhoc("systemd_service", "name=tend-demo state=started enabled=yes");
  CHECK(Unchanged(one));
  Run many = lab.Play("bench.yml");
  INFO(many.out);
  CHECK(RecapOf(many.out) == std::array<int, 7>{1, 0, 0, 0, 1, 0, 0});
  Run pings = lab.Play("bench.yml", "-e bench_module=ping");
  double per_task = (many.seconds - pings.seconds) / 50.0;
  MESSAGE("ad-hoc idempotent systemd_service (incl. ssh + agent start): ", one.seconds,
          " s; 50 looped items: ", many.seconds, " s vs 50 pings ", pings.seconds,
          " s -> about ", per_task * 1000, " ms of module time per task");
}

TEST_CASE("authorized_key: the key logs in over real ssh; second run changes nothing") {
  const Lab& lab = GetLab();
  std::string dir = lab.dir + "/system-test-key";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  REQUIRE(Sh("ssh-keygen -q -t ed25519 -N '' -C tendkey@test -f " + dir + "/key").rc == 0);
  CHECK(lab.Ssh("tendkey", dir + "/key", "true").rc != 0);

  Run first = lab.Play("keys.yml", "-e pubkey_file=" + dir + "/key.pub");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(RecapOf(first.out) == std::array<int, 7>{3, 2, 0, 0, 0, 0, 0});
  Run login = lab.Ssh("tendkey", dir + "/key", "whoami");
  INFO(login.out);
  CHECK(login.rc == 0);
  CHECK(Trim(login.out) == "tendkey");
  CHECK(lab.On("stat -c \"%a %U %G\" /home/tendkey/.ssh /home/tendkey/.ssh/authorized_keys") ==
        "700 tendkey tendkey\n600 tendkey tendkey");
  std::string pub = Trim(Slurp(dir + "/key.pub"));
  CHECK(lab.On("cat /home/tendkey/.ssh/authorized_keys") == pub);

  Run second = lab.Play("keys.yml", "-e pubkey_file=" + dir + "/key.pub");
  INFO(second.out);
  CHECK(RecapOf(second.out) == std::array<int, 7>{3, 0, 0, 0, 0, 0, 0});

  Run removed = lab.Adhoc("authorized_key", "user=tendkey state=absent key=\"" + pub + "\"");
  INFO(removed.out);
  CHECK(Changed(removed));
  CHECK(lab.Ssh("tendkey", dir + "/key", "true").rc != 0);
  std::filesystem::remove_all(dir);
}

TEST_CASE("timezone: /etc/localtime points at the zone; second run changes nothing") {
  const Lab& lab = GetLab();
  Run first = lab.Play("timezone.yml", "-e zone=Europe/Berlin");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(RecapOf(first.out) == std::array<int, 7>{2, 1, 0, 0, 0, 0, 0});
  CHECK(lab.On("readlink /etc/localtime") == "/usr/share/zoneinfo/Europe/Berlin");
  CHECK(lab.On("cat /etc/timezone") == "Europe/Berlin");
  std::string abbreviation = lab.On("date +%Z");
  CHECK((abbreviation == "CET" || abbreviation == "CEST"));

  Run second = lab.Play("timezone.yml", "-e zone=Europe/Berlin");
  CHECK(RecapOf(second.out) == std::array<int, 7>{2, 0, 0, 0, 0, 0, 0});

  Run unknown = lab.Adhoc("timezone", "name=Mars/Olympus_Mons");
  INFO(unknown.out);
  CHECK(unknown.rc == 2);
  CHECK(unknown.out.find("given timezone \\\"Mars/Olympus_Mons\\\" is not available") !=
        std::string::npos);
  CHECK(Changed(lab.Adhoc("timezone", "name=Etc/UTC")));
  CHECK(lab.On("readlink /etc/localtime") == "/usr/share/zoneinfo/Etc/UTC");

  if (Env("TEND_LAB_KEEP").empty()) Sh(lab.tend + " lab down --name " + kLab);
}

}  // namespace
