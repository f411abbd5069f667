#include "controller/config/settings.h"

#include <array>

namespace tend {
namespace {

using enum SettingType;
using enum SettingUse;

constexpr std::array kSettings = {
    SettingSpec{"defaults.inventory", "defaults", "inventory", nullptr, "ANSIBLE_INVENTORY",
                nullptr, kPathList, "/etc/ansible/hosts", kHonoured,
                "inventory sources when no -i is given"},
    SettingSpec{"defaults.roles_path", "defaults", "roles_path", nullptr, "ANSIBLE_ROLES_PATH",
                nullptr, kPathSpec, "~/.ansible/roles:/usr/share/ansible/roles:/etc/ansible/roles",
                kHonoured, "role directories searched after roles/ beside the playbook"},
    SettingSpec{"defaults.remote_user", "defaults", "remote_user", nullptr, "ANSIBLE_REMOTE_USER",
                nullptr, kString, "", kHonoured, "login user when -u and ansible_user are not set"},
    SettingSpec{"defaults.remote_port", "defaults", "remote_port", nullptr, "ANSIBLE_REMOTE_PORT",
                nullptr, kInt, "0", kHonoured,
                "SSH port when ansible_port is not set (0: ~/.ssh/config, else 22)"},
    SettingSpec{"defaults.private_key_file", "defaults", "private_key_file", nullptr,
                "ANSIBLE_PRIVATE_KEY_FILE", nullptr, kPath, "", kHonoured,
                "SSH key when --private-key is not given"},
    SettingSpec{"defaults.transport", "defaults", "transport", nullptr, "ANSIBLE_TRANSPORT",
                nullptr, kString, "smart", kHonoured, "-c: ssh (smart, paramiko) or local", nullptr,
                "smart|ssh|paramiko|libssh|local"},
    SettingSpec{"defaults.timeout", "defaults", "timeout", nullptr, "ANSIBLE_TIMEOUT", nullptr,
                kInt, "10", kHonoured, "-T: connect and authentication timeout in seconds"},
    SettingSpec{"defaults.host_key_checking", "defaults", "host_key_checking", nullptr,
                "ANSIBLE_HOST_KEY_CHECKING", nullptr, kBool, "true", kHonoured,
                "false: --host-key-checking off"},
    SettingSpec{"defaults.ask_pass", "defaults", "ask_pass", nullptr, "ANSIBLE_ASK_PASS", nullptr,
                kBool, "false", kHonoured, "-k: ask for the SSH password"},
    SettingSpec{"defaults.forks", "defaults", "forks", nullptr, "ANSIBLE_FORKS", nullptr, kInt,
                "50", kHonoured, "-f: hosts handled at once"},
    SettingSpec{"defaults.gathering", "defaults", "gathering", nullptr, "ANSIBLE_GATHERING",
                nullptr, kString, "implicit", kHonoured,
                "implicit, explicit (no gather_facts: no facts) or smart (skip cached hosts)", nullptr,
                "implicit|explicit|smart"},
    SettingSpec{"defaults.fact_caching", "defaults", "fact_caching", nullptr,
                "ANSIBLE_CACHE_PLUGIN", nullptr, kString, "memory", kHonoured,
                "memory or jsonfile (other cache plugins are not supported)", nullptr,
                "memory|jsonfile"},
    SettingSpec{"defaults.fact_caching_connection", "defaults", "fact_caching_connection",
                nullptr, "ANSIBLE_CACHE_PLUGIN_CONNECTION", nullptr, kPath, "", kHonoured,
                "the jsonfile cache directory (--fact-cache)"},
    SettingSpec{"defaults.fact_caching_timeout", "defaults", "fact_caching_timeout", nullptr,
                "ANSIBLE_CACHE_PLUGIN_TIMEOUT", nullptr, kInt, "86400", kHonoured,
                "seconds cached facts stay valid (0: forever)"},
    SettingSpec{"defaults.vault_password_file", "defaults", "vault_password_file", nullptr,
                "ANSIBLE_VAULT_PASSWORD_FILE", nullptr, kPath, "", kHonoured,
                "--vault-password-file when no vault option is given"},
    SettingSpec{"defaults.vault_identity_list", "defaults", "vault_identity_list", nullptr,
                "ANSIBLE_VAULT_IDENTITY_LIST", nullptr, kList, "", kHonoured,
                "--vault-id sources when no vault option is given"},
    SettingSpec{"defaults.ask_vault_pass", "defaults", "ask_vault_pass", nullptr,
                "ANSIBLE_ASK_VAULT_PASS", nullptr, kBool, "false", kHonoured,
                "-J: ask for the vault password"},
    SettingSpec{"defaults.nocolor", "defaults", "nocolor", nullptr, "ANSIBLE_NOCOLOR", nullptr,
                kBool, "false", kHonoured, "--color never"},
    SettingSpec{"defaults.force_color", "defaults", "force_color", nullptr, "ANSIBLE_FORCE_COLOR",
                nullptr, kBool, "false", kHonoured, "--color always"},
    SettingSpec{"tend.records", "tend", "records", nullptr, "TEND_RECORDS", nullptr, kString, "",
                kHonoured,
                "--records: run records in a SQLite file (default "
                "$XDG_STATE_HOME/tend/records.db), a postgresql:// URL, or off"},
    SettingSpec{"defaults.collections_path", "defaults", "collections_path", "collections_paths",
                "ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_COLLECTIONS_PATHS", kPathSpec,
                "~/.ansible/collections:/usr/share/ansible/collections", kHonoured,
                "where tend finds Ansible's code for modules it has no native one of (then beside "
                "ansible-core)"},
    SettingSpec{"defaults.stdout_callback", "defaults", "stdout_callback", nullptr,
                "ANSIBLE_STDOUT_CALLBACK", nullptr, kString, "default", kIgnored,
                "tend prints its own output (--output human or json)", "default"},
    SettingSpec{"defaults.retry_files_enabled", "defaults", "retry_files_enabled", nullptr,
                "ANSIBLE_RETRY_FILES_ENABLED", nullptr, kBool, "false", kIgnored,
                "tend writes no retry files", "false"},
    SettingSpec{"defaults.interpreter_python", "defaults", "interpreter_python", nullptr,
                "ANSIBLE_PYTHON_INTERPRETER", nullptr, kString, "auto", kNotApplicable,
                "tend runs no Python on the hosts"},
    SettingSpec{"privilege_escalation.become", "privilege_escalation", "become", nullptr,
                "ANSIBLE_BECOME", nullptr, kBool, "false", kHonoured, "-b"},
    SettingSpec{"privilege_escalation.become_method", "privilege_escalation", "become_method",
                nullptr, "ANSIBLE_BECOME_METHOD", nullptr, kString, "sudo", kHonoured,
                "--become-method: sudo or su", nullptr, "sudo|su"},
    SettingSpec{"privilege_escalation.become_user", "privilege_escalation", "become_user",
                nullptr, "ANSIBLE_BECOME_USER", nullptr, kString, "root", kHonoured,
                "--become-user"},
    SettingSpec{"privilege_escalation.become_ask_pass", "privilege_escalation",
                "become_ask_pass", nullptr, "ANSIBLE_BECOME_ASK_PASS", nullptr, kBool, "false",
                kHonoured, "-K: ask for the become password"},
    SettingSpec{"ssh_connection.pipelining", "ssh_connection", "pipelining", nullptr,
                "ANSIBLE_PIPELINING", nullptr, kBool, "false", kNotApplicable,
                "tend always keeps one channel open per host"},
    SettingSpec{"ssh_connection.ssh_args", "ssh_connection", "ssh_args", nullptr,
                "ANSIBLE_SSH_ARGS", nullptr, kString, "", kIgnored,
                "tend speaks SSH with libssh; set options in ~/.ssh/config or "
                "ansible_ssh_common_args"},
};

}  // namespace

std::span<const SettingSpec> Settings() { return kSettings; }

const SettingSpec* FindSetting(std::string_view name) {
  for (const auto& s : kSettings) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

const SettingSpec* FindSettingByKey(std::string_view section, std::string_view key) {
  for (const auto& s : kSettings) {
    if (section != s.section) continue;
    if (key == s.key || (s.alt_key != nullptr && key == s.alt_key)) return &s;
  }
  return nullptr;
}

}  // namespace tend
