#include "controller/config/ansible_config.h"

#include <doctest/doctest.h>

#include <map>

namespace tend {
namespace {

// An environment and file system held in maps.
struct FakeMachine {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  std::string cwd = "/work/project";
  bool world_writable = false;

  ConfigEnvironment Environment() const {
    ConfigEnvironment e;
    e.getenv = [this](const std::string& n) -> std::optional<std::string> {
      auto it = env.find(n);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    e.read_file = [this](const std::string& p) -> std::optional<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    e.is_directory = [this](const std::string& p) { return p == "/etc/cfgdir"; };
    e.cwd = cwd;
    e.home = "/home/me";
    e.cwd_world_writable = world_writable;
    return e;
  }
};

AnsibleConfig Load(const FakeMachine& m) {
  auto config = LoadAnsibleConfig(m.Environment());
  REQUIRE_MESSAGE(config.has_value(), config.error().ToString());
  return *config;
}

TEST_CASE("the first ansible.cfg found is read: ANSIBLE_CONFIG, ./, ~/.ansible.cfg, /etc") {
  FakeMachine m;
  m.files["/etc/ansible/ansible.cfg"] = "[defaults]\nforks = 1\n";
  CHECK(Load(m).file() == "/etc/ansible/ansible.cfg");
  m.files["/home/me/.ansible.cfg"] = "[defaults]\nforks = 2\n";
  CHECK(Load(m).file() == "/home/me/.ansible.cfg");
  m.files["/work/project/ansible.cfg"] = "[defaults]\nforks = 3\n";
  CHECK(Load(m).file() == "/work/project/ansible.cfg");
  CHECK(Load(m).Int("defaults.forks") == 3);
  m.files["/etc/cfgdir/ansible.cfg"] = "[defaults]\nforks = 4\n";
  m.env["ANSIBLE_CONFIG"] = "/etc/cfgdir";
  CHECK(Load(m).file() == "/etc/cfgdir/ansible.cfg");
  CHECK(Load(m).Int("defaults.forks") == 4);
  // A missing ANSIBLE_CONFIG falls through to the next place, as in Ansible.
  m.env["ANSIBLE_CONFIG"] = "/nowhere.cfg";
  CHECK(Load(m).file() == "/work/project/ansible.cfg");
}

TEST_CASE("a world-writable working directory's ansible.cfg is skipped with a warning") {
  FakeMachine m;
  m.world_writable = true;
  m.files["/work/project/ansible.cfg"] = "[defaults]\nforks = 3\n";
  AnsibleConfig c = Load(m);
  CHECK(c.file() == "");
  REQUIRE(c.warnings().size() == 1);
  CHECK(c.warnings()[0] ==
        "/work/project/ansible.cfg is in a world writable directory (/work/project); it is "
        "ignored, as Ansible ignores it");
}

TEST_CASE("ANSIBLE_* variables override the file; each value says where it came from") {
  FakeMachine m;
  m.files["/work/project/ansible.cfg"] =
      "[defaults]\nforks = 3\nremote_user = deploy\n[privilege_escalation]\nbecome = yes\n";
  m.env["ANSIBLE_FORKS"] = "7";
  AnsibleConfig c = Load(m);
  CHECK(c.Int("defaults.forks") == 7);
  CHECK(c.Get("defaults.forks").origin == "env: ANSIBLE_FORKS");
  CHECK(c.String("defaults.remote_user") == "deploy");
  CHECK(c.Get("defaults.remote_user").origin == "/work/project/ansible.cfg:3");
  CHECK(c.Bool("privilege_escalation.become"));
  CHECK(c.Get("privilege_escalation.become_user").IsDefault());
  CHECK(c.String("privilege_escalation.become_user") == "root");
  CHECK(c.Int("defaults.timeout") == 10);
}

TEST_CASE("paths from the file resolve beside it; from the environment, in the cwd") {
  FakeMachine m;
  m.env["ANSIBLE_CONFIG"] = "/srv/site/ansible.cfg";
  m.env["PROJECT"] = "/opt/p";
  m.files["/srv/site/ansible.cfg"] =
      "[defaults]\n"
      "inventory = inventories/prod, /abs/hosts\n"
      "roles_path = roles:~/roles:$PROJECT/roles\n"
      "vault_password_file = ../secret.txt\n"
      "remote_user = 'quoted'\n"
      "vault_identity_list = dev@a, prod@b\n";
  AnsibleConfig c = Load(m);
  CHECK(c.List("defaults.inventory") ==
        std::vector<std::string>{"/srv/site/inventories/prod", "/abs/hosts"});
  CHECK(c.List("defaults.roles_path") ==
        std::vector<std::string>{"/srv/site/roles", "/home/me/roles", "/opt/p/roles"});
  CHECK(c.String("defaults.vault_password_file") == "/srv/secret.txt");
  CHECK(c.String("defaults.remote_user") == "quoted");
  CHECK(c.List("defaults.vault_identity_list") == std::vector<std::string>{"dev@a", "prod@b"});
  m.env["ANSIBLE_ROLES_PATH"] = "here:/there";
  CHECK(Load(m).List("defaults.roles_path") ==
        std::vector<std::string>{"/work/project/here", "/there"});
}

TEST_CASE("settings tend does not use are warned about once each, with their line") {
  FakeMachine m;
  m.files["/work/project/ansible.cfg"] =
      "[defaults]\n"
      "stdout_callback = yaml\n"
      "retry_files_enabled = False\n"
      "interpreter_python = auto_silent\n"
      "callbacks_enabled = profile_tasks\n"
      "[ssh_connection]\n"
      "pipelining = True\n"
      "ssh_args = -o ControlMaster=auto\n"
      "[galaxy]\n"
      "server = https://example.org\n"
      "[tend]\n"
      "records = /var/lib/tend\n";
  AnsibleConfig c = Load(m);
  std::vector<std::string> expected = {
      "/work/project/ansible.cfg:5: setting 'callbacks_enabled' in [defaults] is not used by tend",
      "/work/project/ansible.cfg:10: setting 'server' in [galaxy] is not used by tend",
      "/work/project/ansible.cfg:2: setting 'stdout_callback' in [defaults] is not used by tend "
      "(tend prints its own output (--output human or json))",
      "/work/project/ansible.cfg:8: setting 'ssh_args' in [ssh_connection] is not used by tend "
      "(tend speaks SSH with libssh; set options in ~/.ssh/config or ansible_ssh_common_args)",
  };
  CHECK(c.warnings() == expected);
  CHECK(c.tend_settings().at("records") == "/var/lib/tend");
  m.env["ANSIBLE_RETRY_FILES_ENABLED"] = "1";
  CHECK(Load(m).warnings().size() == 5);
}

TEST_CASE("values of the wrong type are located errors") {
  struct Case {
    const char* file;
    const char* env;
    const char* error;
  };
  const Case cases[] = {
      {"[defaults]\nforks = many\n", nullptr,
       "/work/project/ansible.cfg:2: forks: invalid value 'many' (an integer expected)"},
      {"[defaults]\ngathering = sometimes\n", nullptr,
       "/work/project/ansible.cfg:2: gathering: invalid value 'sometimes' (one of implicit, "
       "explicit, smart expected)"},
      {"[defaults]\n", "doas",
       "env: ANSIBLE_BECOME_METHOD: become_method: invalid value 'doas' (one of sudo, su "
       "expected)"},
      {"[defaults\n", nullptr,
       "/work/project/ansible.cfg:1: a setting before any [section] header: '[defaults'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.error);
    FakeMachine m;
    m.files["/work/project/ansible.cfg"] = c.file;
    if (c.env) m.env["ANSIBLE_BECOME_METHOD"] = c.env;
    auto config = LoadAnsibleConfig(m.Environment());
    REQUIRE_FALSE(config.has_value());
    CHECK(config.error().ToString() == c.error);
  }
}

TEST_CASE("booleans read as Ansible's boolean(strict=False)") {
  for (const char* yes : {"yes", "True", "on", "1", "t", "Y"}) CHECK(ConfigTruthy(yes));
  for (const char* no : {"no", "False", "off", "0", "", "maybe"}) CHECK_FALSE(ConfigTruthy(no));
}

TEST_CASE("every setting's default is a valid value of its type") {
  FakeMachine m;
  AnsibleConfig c = Load(m);
  CHECK(c.file() == "");
  CHECK(c.values().size() == Settings().size());
  for (const auto& v : c.values()) CHECK(v.IsDefault());
  CHECK(c.warnings().empty());
}

}  // namespace
}  // namespace tend
