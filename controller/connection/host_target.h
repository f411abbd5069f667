#pragma once

// How to reach one host (issue 3): the inventory's host vars over the
// command-line defaults.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/connection/connection_options.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Everything needed to reach one host. Built by HostTargetFromVars from the
/// inventory's host vars and the command line; ~/.ssh/config is applied when
/// the session connects (explicit values here win over it).
struct HostTarget {
  std::string name;                     // inventory hostname, used in output
  std::string address;                  // ansible_host, else name
  int port = 0;                         // ansible_port; 0 = ssh config, else 22
  std::string user;                     // ansible_user / -u; empty = ssh config, else local user
  std::vector<std::string> key_files;   // ansible_ssh_private_key_file / --private-key
  std::optional<std::string> password;  // ansible_password / -k
  ConnectionType connection = ConnectionType::kSsh;
  std::string known_hosts;  // tend_known_hosts / UserKnownHostsFile; empty = ~/.ssh/known_hosts
  HostKeyChecking host_key_checking = HostKeyChecking::kStrict;
  std::string ssh_config;    // -F in ansible_ssh_common_args; empty = ~/.ssh/config
  std::string proxy_jump;    // -J / -o ProxyJump in ansible_ssh_common_args
  int timeout_seconds = 10;  // connect and authentication
  // -o ServerAliveInterval/CountMax in ansible_ssh_*_args, else the command line;
  // unset: ~/.ssh/config, else the defaults (server_alive.h).
  std::optional<int> server_alive_interval;
  std::optional<int> server_alive_count_max;
  BecomeSettings become;
};

/// The variables that give the become password, as Ansible's sudo plugin
/// reads them (first found wins).
inline constexpr const char* kBecomePasswordVars[] = {"ansible_become_password",
                                                      "ansible_become_pass", "ansible_sudo_pass"};

/// A HostTarget from inventory host vars (ansible_host, ansible_port,
/// ansible_user, ansible_ssh_private_key_file, ansible_connection,
/// ansible_password, ansible_become, ansible_become_user,
/// ansible_become_method, ansible_become_password, tend_known_hosts,
/// ansible_ssh_common_args) over the command-line defaults.
Expected<HostTarget> HostTargetFromVars(std::string_view name, const Json& vars,
                                        const ConnectionOptions& defaults);

}  // namespace tend
