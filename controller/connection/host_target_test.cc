#include "controller/connection/host_target.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("host targets from inventory vars; vars beat the command line") {
  ConnectionOptions cli;
  cli.user = "cli-user";
  cli.private_key = "/cli/key";
  Json vars{{"ansible_host", "10.0.0.7"},
            {"ansible_port", "2222"},
            {"ansible_user", "deploy"},
            {"ansible_connection", "ssh"},
            {"ansible_become", "yes"},
            {"ansible_become_user", "postgres"},
            {"ansible_become_password", "pw"},
            {"ansible_ssh_common_args",
             "-o UserKnownHostsFile=/lab/known_hosts -o StrictHostKeyChecking=accept-new"}};
  auto t = HostTargetFromVars("db1", vars, cli);
  REQUIRE(t);
  CHECK(t->address == "10.0.0.7");
  CHECK(t->port == 2222);
  CHECK(t->user == "deploy");
  CHECK(t->key_files == std::vector<std::string>{"/cli/key"});
  CHECK(t->known_hosts == "/lab/known_hosts");
  CHECK(t->host_key_checking == HostKeyChecking::kAcceptNew);
  CHECK(t->become.enabled);
  CHECK(t->become.user == "postgres");
  CHECK(t->become.password == "pw");

  auto local = HostTargetFromVars("localhost", Json{{"ansible_connection", "local"}}, cli);
  CHECK(local->connection == ConnectionType::kLocal);
  CHECK(local->address == "localhost");
  CHECK(HostTargetFromVars("x", Json{{"ansible_connection", "winrm"}}, cli).error().message ==
        "x: connection type 'winrm' is not supported (ssh, local)");
  CHECK(HostTargetFromVars("x", Json{{"ansible_become", "maybe"}}, cli).error().message ==
        "x: ansible_become: expected a boolean, got 'maybe'");
}

TEST_CASE("keepalive settings: ssh args in host vars beat the command line") {
  ConnectionOptions cli;
  cli.server_alive_interval = 30;
  auto plain = HostTargetFromVars("a", Json::object(), cli);
  REQUIRE(plain);
  CHECK(plain->server_alive_interval == 30);
  CHECK(!plain->server_alive_count_max);  // ~/.ssh/config, else the default
  auto t = HostTargetFromVars(
      "a", Json{{"ansible_ssh_extra_args", "-o ServerAliveInterval=1 -o ServerAliveCountMax=2"}},
      cli);
  REQUIRE(t);
  CHECK(t->server_alive_interval == 1);
  CHECK(t->server_alive_count_max == 2);
}

TEST_CASE("every become password variable Ansible's sudo plugin reads sets the password") {
  for (const char* name : {"ansible_become_password", "ansible_become_pass", "ansible_sudo_pass"}) {
    CAPTURE(name);
    auto t = HostTargetFromVars("h", Json{{name, "s3cret"}}, ConnectionOptions{});
    REQUIRE(t);
    CHECK(t->become.password == "s3cret");
  }
}

}  // namespace tend
