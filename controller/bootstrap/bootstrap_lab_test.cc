// `tend bootstrap` against a fresh lab host: the admin user gets the lab key
// and passwordless sudo, sshd refuses root and password logins afterwards,
// and a second run (which can no longer log in as root) changes nothing.
// Checked with plain OpenSSH and strict host-key checking.
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "bootstrap";
constexpr const char* kAdmin = "opsadmin";

// A command on the lab host as `user`, logging in with the lab key.
Run As(const Lab& lab, const std::string& user, const std::string& command) {
  return lab.Ssh(user, lab.dir + "/id_ed25519", command);
}

TEST_CASE("tend bootstrap hardens a fresh host without locking anyone out, idempotently") {
  // A previous run may have bootstrapped the host already: StartLab resets it.
  Lab lab = StartLab(kLab);
  REQUIRE_MESSAGE(As(lab, "root", "true").rc == 0, "root logs in before bootstrap");

  std::string bootstrap =
      TendBinary() +
      fmt::format(" bootstrap all -i {} --admin-user {} --color never", lab.inventory, kAdmin);
  Run first = Sh(bootstrap);
  MESSAGE(first.out);
  REQUIRE(first.rc == 0);
  CHECK(first.out.find("failed=0") != std::string::npos);
  CHECK(first.out.find("managed as opsadmin from now on") != std::string::npos);

  // The admin user logs in with the lab key and has passwordless sudo.
  Run sudo = As(lab, kAdmin, "sudo -n id -u");
  CHECK_MESSAGE(sudo.rc == 0, sudo.out);
  CHECK(Trim(sudo.out) == "0");
  // Root may no longer log in; sshd's effective settings say why.
  Run root = As(lab, "root", "true");
  CHECK(root.rc != 0);
  CHECK(root.out.find("Permission denied") != std::string::npos);
  Run effective = As(lab, kAdmin, "sudo -n /usr/sbin/sshd -T");
  CHECK(effective.out.find("permitrootlogin no") != std::string::npos);
  CHECK(effective.out.find("passwordauthentication no") != std::string::npos);
  Run sudoers =
      As(lab, kAdmin, fmt::format("sudo -n stat -c %a:%U /etc/sudoers.d/90-tend-{}", kAdmin));
  CHECK(Trim(sudoers.out) == "440:root");

  // Second run: root is refused, so tend connects as the admin user.
  Run second = Sh(bootstrap);
  MESSAGE(second.out);
  CHECK(second.rc == 0);
  CHECK(second.out.find("already bootstrapped, connecting as opsadmin") != std::string::npos);
  CHECK(second.out.find("changed=0") != std::string::npos);
  CHECK(second.out.find("failed=0") != std::string::npos);

  Run down = Sh(TendBinary() + fmt::format(" lab down --name {}", kLab));
  CHECK_MESSAGE(down.rc == 0, down.out);
}

}  // namespace
