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

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "system";

const Lab& GetLab() {
  static Lab lab = [] {
    Lab l = StartLab(kLab, "tests/modules/system");
    Run status = Sh(l.tend + " lab status --name " + kLab);
    REQUIRE_MESSAGE(status.out.find("(nspawn)") != std::string::npos,
                    (std::string("the system lab test needs systemd-booted (nspawn) hosts: ") + status.out));
    return l;
  }();
  return lab;
}


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

TEST_CASE("user: password_lock locks and unlocks, expires sets and removes the date") {
  const Lab& lab = GetLab();
  lab.On("userdel -r tendlock 2>/dev/null; true");
  Run created = lab.Adhoc("user", "name=tendlock password=tendhash shell=/bin/sh");
  INFO(created.out);
  REQUIRE(Changed(created));
  auto shadow_field = [&](int field) {
    return lab.On("getent shadow tendlock | cut -d: -f" + std::to_string(field));
  };
  CHECK(shadow_field(2) == "tendhash");

  CHECK(Changed(lab.Adhoc("user", "name=tendlock password_lock=yes", "--check")));
  CHECK(shadow_field(2) == "tendhash");
  Run lock = lab.Adhoc("user", "name=tendlock password_lock=yes");
  INFO(lock.out);
  CHECK(Changed(lock));
  CHECK(shadow_field(2) == "!tendhash");
  CHECK(lab.On("passwd -S tendlock | cut -d\" \" -f2") == "L");
  CHECK(Unchanged(lab.Adhoc("user", "name=tendlock password_lock=yes")));
  // The same hash on a locked account is no change, and leaves it locked.
  CHECK(Unchanged(lab.Adhoc("user", "name=tendlock password=tendhash")));
  CHECK(shadow_field(2) == "!tendhash");
  CHECK(Changed(lab.Adhoc("user", "name=tendlock password_lock=no")));
  CHECK(shadow_field(2) == "tendhash");
  CHECK(Unchanged(lab.Adhoc("user", "name=tendlock password_lock=no")));

  // 2026-01-01 12:00 UTC: shadow keeps the day, 20454 days after the epoch.
  CHECK(Changed(lab.Adhoc("user", "name=tendlock expires=1767268800", "--check")));
  CHECK(shadow_field(8) == "");
  CHECK(Changed(lab.Adhoc("user", "name=tendlock expires=1767268800")));
  CHECK(shadow_field(8) == "20454");
  CHECK(Unchanged(lab.Adhoc("user", "name=tendlock expires=1767225600")));
  CHECK(Changed(lab.Adhoc("user", "name=tendlock expires=-1")));
  CHECK(shadow_field(8) == "");
  CHECK(Unchanged(lab.Adhoc("user", "name=tendlock expires=-1")));
  lab.On("userdel -r tendlock");
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


// The stock image may lack cron (crontab and /etc/cron.d).
void EnsureCron(const Lab& lab) {
  std::string out = lab.EnsurePackage("command -v crontab >/dev/null && test -d /etc/cron.d", "cron");
  INFO(out);
  REQUIRE(out.ends_with("rc=0"));
}

// The timezone case takes the lab down at its end, so cron brings it up (and
// resets it) itself.
TEST_CASE("cron: user crontab, env, disabled job, cron.d file; check mode, idempotent, absent") {
  REQUIRE_MESSAGE(geteuid() == 0, "lab tests need root");
  Lab lab = StartLab(kLab, "tests/modules/system");
  EnsureCron(lab);
  Run user = lab.Adhoc("user", "name=tendcron shell=/bin/sh");
  INFO(user.out);
  REQUIRE(user.rc == 0);
  lab.On("crontab -r -u tendcron; rm -f /etc/cron.d/tend-sweep");
  const std::string no_crontab = "no crontab for tendcron";
  REQUIRE(lab.On("crontab -l -u tendcron") == no_crontab);

  Run check = lab.Play("cron.yml", "--check");
  INFO(check.out);
  CHECK(check.rc == 0);
  // The assert on what the module reports is skipped in check mode.
  CHECK(RecapOf(check.out) == std::array<int, 7>{4, 4, 0, 0, 1, 0, 0});
  CHECK(lab.On("crontab -l -u tendcron") == no_crontab);
  CHECK(lab.On("test -e /etc/cron.d/tend-sweep || echo none") == "none");

  Run first = lab.Play("cron.yml", "--diff");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(RecapOf(first.out) == std::array<int, 7>{5, 4, 0, 0, 0, 0, 0});
  CHECK(first.out.find("+++ after: /etc/cron.d/tend-sweep\n") != std::string::npos);
  CHECK(first.out.find("+++ after: crontab for user \"tendcron\"\n") != std::string::npos);
  CHECK(first.out.find("+#Ansible: tend sweep\n") != std::string::npos);
  CHECK(lab.On("crontab -l -u tendcron") ==
        "TEND_HOME=\"/srv/tend\"\n"
        "#Ansible: tend nightly\n30 2 * * * /usr/bin/true nightly\n"
        "#Ansible: tend paused\n#@weekly /usr/bin/true paused");
  CHECK(lab.On("cat /etc/cron.d/tend-sweep") ==
        "#Ansible: tend sweep\n*/10 * * * * root /usr/bin/true sweep");
  CHECK(lab.On("stat -c \"%a %U\" /etc/cron.d/tend-sweep") == "644 root");

  Run second = lab.Play("cron.yml");
  INFO(second.out);
  CHECK(RecapOf(second.out) == std::array<int, 7>{5, 0, 0, 0, 0, 0, 0});

  Run absent = lab.Play("cron.yml", "-e cron_state=absent");
  INFO(absent.out);
  CHECK(absent.rc == 0);
  CHECK(RecapOf(absent.out) == std::array<int, 7>{4, 4, 0, 0, 1, 0, 0});
  CHECK(lab.On("crontab -l -u tendcron") == "");
  CHECK(lab.On("test -e /etc/cron.d/tend-sweep || echo gone") == "gone");
  Run again = lab.Play("cron.yml", "-e cron_state=absent");
  INFO(again.out);
  CHECK(RecapOf(again.out) == std::array<int, 7>{4, 0, 0, 0, 1, 0, 0});

  if (Env("TEND_LAB_KEEP").empty()) Sh(lab.tend + " lab down --name " + kLab);
}

}  // namespace
