#pragma once

// Facts for the setup module, split as Facter does: collecting raw inputs
// (files under a root directory, a few syscalls) from shaping them into
// Ansible's `ansible_*` names (pure, tested with fixtures).

#include <map>
#include <string>
#include <vector>

#include "core/json.h"

namespace tend {

struct InterfaceAddress {
  std::string name;
  std::string family;  // "ipv4" | "ipv6"
  std::string address;
  std::string netmask;
};

/// Everything the facts are made of. ReadFactSources fills the file parts
/// from a root directory ("/" on a target, a fixture in tests).
struct FactSources {
  std::string os_release;                            // /etc/os-release
  std::string debian_version;                        // /etc/debian_version
  std::string meminfo;                               // /proc/meminfo
  std::string cpuinfo;                               // /proc/cpuinfo
  std::string mounts;                                // /proc/mounts
  std::string route;                                 // /proc/net/route
  std::string hosts;                                 // /etc/hosts
  std::string passwd;                                // /etc/passwd
  std::string machine_id;                            // /etc/machine-id
  std::string uptime;                                // /proc/uptime
  std::string init_comm;                             // /proc/1/comm
  bool systemd_running = false;                      // /run/systemd/system exists
  std::map<std::string, std::string> mac_addresses;  // /sys/class/net/*/address
  std::map<std::string, int> mtus;                   // /sys/class/net/*/mtu
  std::vector<std::string> package_managers;         // of apt-get, dnf, yum, zypper, pacman, apk

  // Live parts, from syscalls.
  std::string system = "Linux";
  std::string nodename;
  std::string kernel;
  std::string kernel_version;
  std::string machine;
  std::vector<InterfaceAddress> addresses;
  std::map<std::string, Json> mount_sizes;  // mount point -> size fields (statvfs)
  std::map<std::string, std::string> env;
  unsigned uid = 0;
  unsigned gid = 0;
  int64_t now_micros = 0;
};

/// Reads the file parts of FactSources under `root`.
FactSources ReadFactSources(const std::string& root);
/// Adds the live parts: uname, getifaddrs, statvfs of each mount, environment.
void ReadLiveFactSources(FactSources& sources);

// Pure parsers.
std::map<std::string, std::string> ParseOsRelease(std::string_view content);
/// KEY: value kB lines of /proc/meminfo, in kB.
std::map<std::string, int64_t> ParseMeminfo(std::string_view content);
struct Mount {
  std::string device;
  std::string mount;
  std::string fstype;
  std::string options;
};
/// /proc/mounts lines of real filesystems (Ansible's rule: a device path, a
/// network share, never fstype "none").
std::vector<Mount> ParseMounts(std::string_view content);
struct DefaultRoute {
  std::string interface;
  std::string gateway;
};
/// The default route (destination 0.0.0.0) with the lowest metric.
std::optional<DefaultRoute> ParseDefaultRoute(std::string_view content);

/// All facts, `ansible_`-prefixed as the setup module returns them.
Json ShapeFacts(const FactSources& sources);

/// Names ShapeFacts always returns (the fact schema; a test keeps it honest).
const std::vector<std::string>& FactNames();

}  // namespace tend
