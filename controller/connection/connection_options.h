#pragma once

// How the command line says to reach hosts (-u, -c, -T, -b, ...): the
// defaults that each host's inventory vars may override, as in Ansible.

#include <optional>
#include <string>

namespace tend {

enum class ConnectionType { kSsh, kLocal };
enum class HostKeyChecking { kStrict, kAcceptNew, kOff };
enum class BecomeMethod { kSudo, kSu };

struct BecomeSettings {
  bool enabled = false;  // ansible_become / -b
  std::string user = "root";
  BecomeMethod method = BecomeMethod::kSudo;
  std::optional<std::string> password;  // ansible_become_password / -K
  std::string flags;  // become_flags; empty = the method's own ("-H -S" for sudo)
  std::string exe;    // become_exe; empty = the method's name
};

/// Command-line connection options; inventory host vars override them, as in Ansible.
struct ConnectionOptions {
  std::string user;
  int port = 0;  // remote_port in ansible.cfg; 0 = ~/.ssh/config, else 22
  std::string private_key;
  std::optional<std::string> password;
  std::optional<ConnectionType> connection;
  HostKeyChecking host_key_checking = HostKeyChecking::kStrict;
  int timeout_seconds = 10;
  /// ServerAliveInterval / ServerAliveCountMax; unset: ssh config, else the defaults
  /// (controller/connection/server_alive.h).
  std::optional<int> server_alive_interval;
  std::optional<int> server_alive_count_max;
  BecomeSettings become;
};

}  // namespace tend
