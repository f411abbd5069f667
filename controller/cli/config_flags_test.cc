#include "controller/cli/config_flags.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <map>

namespace tend {
namespace {

// A configuration from a fake ansible.cfg in the working directory and a
// fake environment.
AnsibleConfig FakeConfig(const std::string& file, std::map<std::string, std::string> env = {}) {
  ConfigEnvironment e;
  e.getenv = [env](const std::string& n) -> std::optional<std::string> {
    auto it = env.find(n);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  e.read_file = [file](const std::string& p) -> std::optional<std::string> {
    if (p != "/proj/ansible.cfg") return std::nullopt;
    return file;
  };
  e.is_directory = [](const std::string&) { return false; };
  e.cwd = "/proj";
  e.home = "/home/me";
  auto config = LoadAnsibleConfig(e);
  REQUIRE_MESSAGE(config.has_value(), config.error().ToString());
  return *config;
}

// `tend play` flags after the config's defaults and then `args`.
PlayFlags ParsePlay(const AnsibleConfig& config, std::vector<std::string> args) {
  CLI::App app;
  PlayFlags flags;
  ApplyConfigDefaults(config, flags);
  AddPlayOptions(app, flags);
  args.push_back("site.yml");
  std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
  app.parse(args);
  return flags;
}

const char* kCfg =
    "[defaults]\n"
    "inventory = inventory/hosts.ini\n"
    "roles_path = roles:/shared/roles\n"
    "remote_user = deploy\n"
    "remote_port = 2222\n"
    "private_key_file = keys/id\n"
    "forks = 20\n"
    "timeout = 30\n"
    "host_key_checking = False\n"
    "gathering = explicit\n"
    "fact_caching = jsonfile\n"
    "fact_caching_connection = .facts\n"
    "fact_caching_timeout = 600\n"
    "vault_password_file = vault.txt\n"
    "vault_identity_list = dev@dev.txt\n"
    "nocolor = 1\n"
    "[privilege_escalation]\n"
    "become = True\n"
    "become_user = admin\n"
    "become_method = su\n";

TEST_CASE("ansible.cfg gives tend play its defaults") {
  PlayFlags f = ParsePlay(FakeConfig(kCfg), {});
  CHECK(f.connection.user == "deploy");
  CHECK(f.connection.port == 2222);
  CHECK(f.connection.private_key == "/proj/keys/id");
  CHECK(f.forks == 20);
  CHECK(f.connection.timeout == 30);
  CHECK(f.connection.host_key_checking == "off");
  CHECK(f.gathering == "explicit");
  CHECK(f.fact_cache == "/proj/.facts");
  CHECK(f.fact_cache_ttl == 600);
  CHECK(f.color == "never");
  CHECK(f.connection.become);
  CHECK(f.connection.become_user == "admin");
  CHECK(f.connection.become_method == "su");
  ConnectionOptions o = ConnectionOptionsFromFlags(f.connection);
  CHECK(o.port == 2222);
  CHECK(o.host_key_checking == HostKeyChecking::kOff);
  AnsibleConfig c = FakeConfig(kCfg);
  CHECK(ConfigInventory(c, f.inventory) == std::vector<std::string>{"/proj/inventory/hosts.ini"});
  CHECK(ConfigRolesPath(c, {"/x"}) ==
        std::vector<std::string>{"/x", "/proj/roles", "/shared/roles"});
  VaultOptions v = WithConfigVault(c, VaultOptions{{"given.txt"}, false, {"prod@p.txt"}});
  CHECK(v.password_files == std::vector<std::string>{"given.txt", "/proj/vault.txt"});
  CHECK(v.ids == std::vector<std::string>{"dev@dev.txt", "prod@p.txt"});
}

TEST_CASE("the environment overrides the file and the command line overrides both") {
  AnsibleConfig c = FakeConfig(kCfg, {{"ANSIBLE_FORKS", "9"}, {"ANSIBLE_REMOTE_USER", "envuser"},
                                      {"ANSIBLE_BECOME_USER", "ops"}});
  PlayFlags from_env = ParsePlay(c, {});
  CHECK(from_env.forks == 9);
  CHECK(from_env.connection.user == "envuser");
  CHECK(from_env.connection.become_user == "ops");
  PlayFlags from_cli = ParsePlay(c, {"-f", "3", "-u", "cliuser", "--become-user", "web", "-T",
                                     "5", "-i", "other.ini", "--color", "always"});
  CHECK(from_cli.forks == 3);
  CHECK(from_cli.connection.user == "cliuser");
  CHECK(from_cli.connection.become_user == "web");
  CHECK(from_cli.connection.timeout == 5);
  CHECK(from_cli.color == "always");
  CHECK(ConfigInventory(c, from_cli.inventory) == std::vector<std::string>{"other.ini"});
}

TEST_CASE("without ansible.cfg tend's own defaults stay") {
  AnsibleConfig c = FakeConfig("");
  PlayFlags f = ParsePlay(FakeConfig("[defaults]\n"), {});
  PlayFlags plain;
  CHECK(f.forks == plain.forks);
  CHECK(f.connection.user.empty());
  CHECK(f.connection.port == 0);
  CHECK(f.connection.host_key_checking == "strict");
  CHECK(f.gathering == "implicit");
  CHECK(f.fact_cache.empty());
  CHECK(f.color == "auto");
  CHECK_FALSE(f.connection.become);
  CHECK(ConfigInventory(c, {}) == std::vector<std::string>{"/etc/ansible/hosts"});
  VaultOptions v = WithConfigVault(c, {});
  CHECK(v.password_files.empty());
  CHECK(v.ids.empty());
  CHECK_FALSE(v.ask);
}

}  // namespace
}  // namespace tend
