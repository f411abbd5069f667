#include "controller/connection/ssh_config.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("ssh config: first value wins, IdentityFile accumulates") {
  auto blocks = ParseSshConfig(
      "# comment\n"
      "Host bastion\n"
      "  HostName 10.0.0.1\n"
      "  User jump\n"
      "Host train-* !train-9\n"
      "  HostName 10.1.0.%h\n"
      "  ProxyJump bastion\n"
      "  IdentityFile ~/.ssh/train\n"
      "  Port 2222\n"
      "Host *\n"
      "  User ops\n"
      "  Port=22\n"
      "  IdentityFile ~/.ssh/id_ed25519\n",
      "config");
  REQUIRE(blocks);
  auto s = ResolveSshConfig(*blocks, "train-1", "/home/me");
  CHECK(s.hostname == "10.1.0.train-1");
  CHECK(s.user == "ops");
  CHECK(s.port == 2222);
  CHECK(s.proxy_jump == "bastion");
  CHECK(s.identity_files ==
        std::vector<std::string>{"/home/me/.ssh/train", "/home/me/.ssh/id_ed25519"});

  auto negated = ResolveSshConfig(*blocks, "train-9", "/home/me");
  CHECK(!negated.hostname);
  CHECK(negated.port == 22);

  auto bastion = ResolveSshConfig(*blocks, "bastion", "/home/me");
  CHECK(bastion.user == "jump");
  CHECK(bastion.hostname == "10.0.0.1");
}

TEST_CASE("ssh config: Match blocks are skipped, errors are located") {
  auto blocks = ParseSshConfig("Match user x\n  Port 1\nHost a\n  Port 2\n", "cfg");
  REQUIRE(blocks);
  CHECK(ResolveSshConfig(*blocks, "a", "/h").port == 2);
  CHECK(!ResolveSshConfig(*blocks, "b", "/h").port);

  auto bad = ParseSshConfig("Host a\n  Port\n", "cfg");
  REQUIRE(!bad);
  CHECK(bad.error().ToString() == "cfg:2:1: 'port' needs a value");
}

TEST_CASE("ssh args from ansible_ssh_common_args") {
  auto s = ParseSshArgs(
      "-o UserKnownHostsFile=/tmp/kh -o 'StrictHostKeyChecking=accept-new' -C -J me@jump:22 "
      "-oPort=2200 -F /etc/tend/ssh_config");
  REQUIRE(s);
  CHECK(s->known_hosts == "/tmp/kh");
  CHECK(s->host_key_checking == HostKeyChecking::kAcceptNew);
  CHECK(s->proxy_jump == "me@jump:22");
  CHECK(s->port == 2200);
  CHECK(s->config_file == "/etc/tend/ssh_config");

  CHECK(ParseSshArgs("-o StrictHostKeyChecking=no")->host_key_checking == HostKeyChecking::kOff);
  CHECK(ParseSshArgs("-o").error().message == "-o needs a value");
  CHECK(ParseSshArgs("-o StrictHostKeyChecking=maybe").error().message ==
        "StrictHostKeyChecking 'maybe' is not yes, accept-new or no");
}

TEST_CASE("shell split and quote round-trip") {
  for (std::string word : {"plain", "with space", "it's", "", "$HOME `x` \"q\""}) {
    auto words = ShellSplit(SingleQuote(word));
    REQUIRE(words);
    REQUIRE(words->size() == 1);
    CHECK((*words)[0] == word);
  }
  CHECK(*ShellSplit("a \"b c\" d\\ e") == std::vector<std::string>{"a", "b c", "d e"});
  CHECK(!ShellSplit("'open"));
}

TEST_CASE("ServerAliveInterval and ServerAliveCountMax from ssh config and ssh args") {
  auto blocks = ParseSshConfig("Host slow\n  ServerAliveInterval 60\nHost *\n  ServerAliveCountMax 5\n",
                               "config");
  REQUIRE(blocks);
  auto slow = ResolveSshConfig(*blocks, "slow", "/h");
  CHECK(slow.server_alive_interval == 60);
  CHECK(slow.server_alive_count_max == 5);
  CHECK(!ResolveSshConfig(*blocks, "other", "/h").server_alive_interval);

  auto args = ParseSshArgs("-o ServerAliveInterval=2 -o ServerAliveCountMax=1");
  REQUIRE(args);
  CHECK(args->server_alive_interval == 2);
  CHECK(args->server_alive_count_max == 1);
  CHECK(ParseSshArgs("-o ServerAliveInterval=soon").error().message ==
        "-o ServerAliveInterval needs a number of seconds, not 'soon'");
}

}  // namespace tend
