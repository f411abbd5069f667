// `tend bootstrap` against a fresh lab host: the admin user gets the lab key
// and passwordless sudo, sshd refuses root and password logins afterwards,
// and a second run (which can no longer log in as root) changes nothing.
// Checked with plain OpenSSH and strict host-key checking.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "bootstrap";
constexpr const char* kAdmin = "opsadmin";

std::string Tend() {
  const char* dir = std::getenv("TEND_BINARY_DIR");
  return std::string(dir ? dir : "build") + "/controller/cli/tend";
}

struct Lab {
  std::string inventory;
  std::string dir;
  std::string address;

  std::string Ssh(const std::string& user, const std::string& command) const {
    return fmt::format(
        "ssh -i {0}/id_ed25519 -o UserKnownHostsFile={0}/known_hosts -o StrictHostKeyChecking=yes "
        "-o BatchMode=yes -o ConnectTimeout=10 {1}@{2} {3}",
        dir, user, address, command);
  }
};

Lab StartFreshLab() {
  Run up = Sh(Tend() + fmt::format(" lab up --name {} -n 1", kLab));
  REQUIRE_MESSAGE(up.rc == 0, up.out);
  // A previous run may have bootstrapped the host already: start from fresh.
  Run reset = Sh(Tend() + fmt::format(" lab reset --name {}", kLab));
  REQUIRE_MESSAGE(reset.rc == 0, reset.out);
  Lab lab;
  lab.inventory = Trim(Sh(Tend() + fmt::format(" lab inventory --name {} --path", kLab)).out);
  lab.dir = lab.inventory.substr(0, lab.inventory.rfind('/'));
  Run inv = Sh("cat " + lab.inventory);
  std::smatch m;
  REQUIRE(std::regex_search(inv.out, m, std::regex(R"(ansible_host=(\S+))")));
  lab.address = m[1];
  return lab;
}

TEST_CASE("tend bootstrap hardens a fresh host without locking anyone out, idempotently") {
  Lab lab = StartFreshLab();
  REQUIRE_MESSAGE(Sh(lab.Ssh("root", "true")).rc == 0, "root logs in before bootstrap");

  std::string bootstrap = Tend() + fmt::format(" bootstrap all -i {} --admin-user {} --color never",
                                               lab.inventory, kAdmin);
  Run first = Sh(bootstrap);
  MESSAGE(first.out);
  REQUIRE(first.rc == 0);
  CHECK(first.out.find("failed=0") != std::string::npos);
  CHECK(first.out.find("managed as opsadmin from now on") != std::string::npos);

  // The admin user logs in with the lab key and has passwordless sudo.
  Run sudo = Sh(lab.Ssh(kAdmin, "sudo -n id -u"));
  CHECK_MESSAGE(sudo.rc == 0, sudo.out);
  CHECK(Trim(sudo.out) == "0");
  // Root may no longer log in; sshd's effective settings say why.
  Run root = Sh(lab.Ssh("root", "true"));
  CHECK(root.rc != 0);
  CHECK(root.out.find("Permission denied") != std::string::npos);
  Run effective = Sh(lab.Ssh(kAdmin, "sudo -n /usr/sbin/sshd -T"));
  CHECK(effective.out.find("permitrootlogin no") != std::string::npos);
  CHECK(effective.out.find("passwordauthentication no") != std::string::npos);
  Run sudoers = Sh(lab.Ssh(kAdmin, fmt::format("sudo -n stat -c %a:%U /etc/sudoers.d/90-tend-{}",
                                               kAdmin)));
  CHECK(Trim(sudoers.out) == "440:root");

  // Second run: root is refused, so tend connects as the admin user.
  Run second = Sh(bootstrap);
  MESSAGE(second.out);
  CHECK(second.rc == 0);
  CHECK(second.out.find("already bootstrapped, connecting as opsadmin") != std::string::npos);
  CHECK(second.out.find("changed=0") != std::string::npos);
  CHECK(second.out.find("failed=0") != std::string::npos);

  Run down = Sh(Tend() + fmt::format(" lab down --name {}", kLab));
  CHECK_MESSAGE(down.rc == 0, down.out);
}

}  // namespace
