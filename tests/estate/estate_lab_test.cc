// The README's main job, asserted: three lab hosts (training-node,
// tracking-node, serving-node) bootstrapped with `tend bootstrap`, then
// playbooks/site.yml applied as the admin user. Checks the end state on the
// hosts over plain OpenSSH, that a second run changes nothing, and that
// Debian's ansible-playbook, run afterwards on the same hosts with the same
// playbooks, finds nothing to change either (the same end state).
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "estate";
constexpr const char* kWork = "/tmp/tend-estate-lab";

struct Estate {
  std::string inventory = std::string(kWork) + "/hosts.ini";
  std::string lab_dir;
  std::map<std::string, std::string> address;
  std::string vault =
      "--vault-password-file " + SourceDir() + "/inventories/lab/vault-password.txt";

  // A command as root on `host`, through the admin user's key and sudo.
  // The script goes over stdin, so no shell on either side re-parses it.
  Run On(const std::string& host, const std::string& command) const {
    std::string script = std::string(kWork) + "/command.sh";
    if (FILE* f = fopen(script.c_str(), "w")) {
      fputs(command.c_str(), f);
      fclose(f);
    }
    return Sh(fmt::format(
        "ssh -i {0}/id_ed25519 -o UserKnownHostsFile={0}/known_hosts -o StrictHostKeyChecking=yes "
        "-o BatchMode=yes -o ConnectTimeout=10 mlops@{1} 'cd / && sudo -n sh -s' < {2}",
        lab_dir, address.at(host), script));
  }
  std::string Out(const std::string& host, const std::string& command) const {
    return Trim(On(host, command).out);
  }
  Run Play(const std::string& extra = "") const {
    return Sh(fmt::format("cd {} && {} play -i {} -u mlops {} playbooks/site.yml {}", SourceDir(),
                          TendBinary(), inventory, vault, extra));
  }
};

// A fresh three-host estate lab whose inventory sits beside the lab
// inventory's group_vars (admin user, team key, vaulted DB password).
Estate StartFreshEstate() {
  Estate e;
  REQUIRE(Sh(fmt::format("rm -rf {0} && mkdir -p {0} && cp -r {1}/inventories/lab/group_vars {0}/",
                         kWork, SourceDir()))
              .rc == 0);
  Lab lab = UpFreshLab(kLab,
                       "--hosts training-node,tracking-node,serving-node "
                       "--write-inventory " +
                           e.inventory);
  e.lab_dir = lab.dir;
  for (const auto& host : HostsOf(Slurp(e.inventory))) e.address[host.name] = host.address;
  REQUIRE(e.address.size() == 3);
  return e;
}

TEST_CASE("the MLOps estate: bootstrap, site.yml, end state, idempotent, same under Ansible") {
  Estate e = StartFreshEstate();
  Run boot = Sh(fmt::format("{} bootstrap all -i {} {}", TendBinary(), e.inventory, e.vault));
  INFO(boot.out);
  REQUIRE(boot.rc == 0);

  Run first = e.Play();
  INFO(first.out);
  REQUIRE(first.rc == 0);
  auto recap = RecapByHost(first.out);
  REQUIRE(recap.size() == 3);
  for (const auto& [host, counts] : recap) CHECK_MESSAGE(counts[3] == 0, host);

  // Users, groups, keys, sudo.
  for (const auto& [host, addr] : e.address) {
    CHECK(e.Out(host, "id -nG mlops").find("sudo") != std::string::npos);
    CHECK(e.Out(host, "stat -c %a:%U /etc/sudoers.d/90-mlops") == "440:root");
    CHECK(e.Out(host, "grep -c mlops-team-example ~mlops/.ssh/authorized_keys") == "1");
    CHECK(e.Out(host, "getent passwd mlflow | cut -d: -f6,7") == "/opt/mlflow:/usr/sbin/nologin");
    CHECK(e.Out(host, "getent passwd trainer serving | wc -l") == "2");
    CHECK(e.Out(host, "grep -c 'tracking-node.mlops.internal' /etc/hosts") == "1");
    CHECK(e.Out(host, "sshd -T | grep -E '^(permitrootlogin|passwordauthentication) '") ==
          "permitrootlogin no\npasswordauthentication no");
  }
  // Tracking: PostgreSQL running and accepting the MLflow user with the
  // vaulted password; MLflow's env file, unit and directories.
  CHECK(e.Out("tracking-node", "systemctl is-active postgresql") == "active");
  CHECK(e.Out("tracking-node", "stat -c %a:%U:%G /etc/default/mlflow") == "640:root:mlflow");
  CHECK(e.Out("tracking-node",
              "psql \"$(sed -n s/^MLFLOW_BACKEND_STORE_URI=//p /etc/default/mlflow)\" -tAc "
              "\"SELECT current_user || '@' || current_database()\"") == "mlflow@mlflow_db");
  CHECK(e.Out("tracking-node", "systemctl is-enabled mlflow") == "enabled");
  CHECK(e.Out("tracking-node", "stat -c %U:%a /opt/mlflow") == "mlflow:750");
  // Training: directories and the tracking URI for services.
  CHECK(e.Out("training-node", "stat -c %U:%G:%a /srv/ml/data /srv/ml/models") ==
        "trainer:trainer:775\ntrainer:trainer:775");
  CHECK(e.Out("training-node", "grep ^MLFLOW_TRACKING_URI= /etc/environment") ==
        "MLFLOW_TRACKING_URI=http://" + e.address.at("tracking-node") + ":5000");
  // Serving: Docker installed and enabled, its daemon.json, the model dir.
  CHECK(e.Out("serving-node", "systemctl is-enabled docker") == "enabled");
  CHECK(
      e.Out("serving-node",
            "python3 -c 'import json; print(sorted(json.load(open(\"/etc/docker/daemon.json\"))))'")
          .find("log-driver") != std::string::npos);
  CHECK(e.Out("serving-node", "id -nG serving").find("docker") != std::string::npos);
  CHECK(e.Out("serving-node", "stat -c %U:%a /srv/serving/models") == "serving:755");

  Run second = e.Play();
  INFO(second.out);
  CHECK(second.rc == 0);
  for (const auto& [host, counts] : RecapByHost(second.out)) CHECK_MESSAGE(counts[1] == 0, host);
  MESSAGE(fmt::format("site.yml with tend: first run {:.1f} s, second run {:.1f} s", first.seconds,
                      second.seconds));

  // Ansible on the estate tend configured: the same playbooks find nothing
  // to change.
  if (Sh("command -v ansible-playbook").rc != 0) {
    MESSAGE("ansible-playbook is not installed: the comparison is skipped");
    return;
  }
  Run ansible = Sh(fmt::format(
      "cd {} && ANSIBLE_HOST_KEY_CHECKING=True ANSIBLE_PIPELINING=True ANSIBLE_NOCOLOR=1 "
      "ANSIBLE_RETRY_FILES_ENABLED=0 ansible-playbook -i {} -u mlops {} playbooks/site.yml",
      SourceDir(), e.inventory, e.vault));
  INFO(ansible.out);
  CHECK(ansible.rc == 0);
  auto ansible_recap = RecapByHost(ansible.out);
  CHECK(ansible_recap.size() == 3);
  for (const auto& [host, counts] : ansible_recap) {
    CHECK_MESSAGE(counts[3] == 0, host);
    CHECK_MESSAGE(counts[1] == 0, host);
  }
  MESSAGE(fmt::format("site.yml with ansible-playbook on the converged estate: {:.1f} s",
                      ansible.seconds));
}

}  // namespace
