#pragma once

// Facts for the setup module, split as Facter does: collecting raw inputs
// (files under a root directory, a few syscalls) from shaping them into
// Ansible's `ansible_*` names (pure, tested with fixtures). The shaping is
// organised in Ansible's collectors (platform, distribution, hardware,
// network, virtual, ...), which is what `gather_subset` names.

#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// One address as the kernel reports it (netlink RTM_GETADDR): what
/// `ip addr show` prints and Ansible parses.
struct InterfaceAddress {
  std::string name;     // the interface
  std::string family;   // "ipv4" | "ipv6"
  std::string address;
  std::string netmask;  // ipv4: dotted; ipv6: prefix length
  std::string broadcast{};
  std::string label{};  // ipv4 label ("eth0:1"); empty means the interface name
  std::string scope{};  // "global", "link", "host", "site"
  bool secondary = false;
  bool peer = false;    // point-to-point: no prefix on the address
};

/// The files the facts read, captured under a root directory: contents of
/// readable files, which paths exist, symlink targets and directory
/// listings (in readdir order, as Ansible's glob sees them). Paths are
/// absolute as on the target ("/proc/meminfo").
struct FileSnapshot {
  std::map<std::string, std::string> contents;
  std::set<std::string> exists;
  std::map<std::string, std::string> links;
  std::map<std::string, std::vector<std::string>> dirs;

  /// The content, or nullopt for a missing or unreadable file.
  std::optional<std::string> Read(const std::string& path) const;
  /// The content with surrounding whitespace removed, or `fallback`.
  std::string Text(const std::string& path, const std::string& fallback = "") const;
  bool Exists(const std::string& path) const { return exists.contains(path); }
  std::optional<std::string> Link(const std::string& path) const;
  std::vector<std::string> List(const std::string& path) const;
};

/// Everything the facts are made of. ReadFactSources fills the file parts
/// from a root directory ("/" on a target, a fixture in tests).
struct FactSources {
  FileSnapshot files;

  // Live parts, from syscalls.
  std::string system = "Linux";
  std::string nodename;
  std::string kernel;
  std::string kernel_version;
  std::string machine;
  std::vector<InterfaceAddress> addresses;
  std::map<std::string, Json> mount_sizes;  // mount point -> size fields (statvfs)
  std::set<std::string> mount_timeouts;     // mount points whose statvfs outlived gather_timeout
  std::map<std::string, std::string> env;
  unsigned uid = 0;
  unsigned gid = 0;
  unsigned euid = 0;
  unsigned egid = 0;
  int nproc = 0;          // CPUs this process may run on (sched_getaffinity)
  bool is_chroot = false; // "/" is not init's root
  std::optional<std::array<double, 3>> loadavg;
  int64_t now_micros = 0;
  /// Output of `vgs`, `lvs`, `pvs` (Ansible's options) when root has them.
  std::map<std::string, std::string> lvm_reports;
  /// `ansible_local`: the .fact files of fact_path, read (or run) by the
  /// setup module through the Host seam.
  Json local = Json::object();
};

/// Reads the file parts of FactSources under `root`.
FactSources ReadFactSources(const std::string& root);
/// Adds the live parts: uname, netlink addresses, statvfs of each mount
/// (each bounded by `gather_timeout` seconds), environment, ids, the clock.
void ReadLiveFactSources(FactSources& sources, int gather_timeout = 10);

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
/// The IPv6 default route (::/0) with the lowest metric, from /proc/net/ipv6_route.
std::optional<DefaultRoute> ParseDefaultRoute6(std::string_view content);
/// /proc/cmdline as Ansible's `cmdline` (last value wins) or `proc_cmdline`
/// (repeated keys become lists).
Json ParseCmdline(std::string_view content, bool repeated_as_list);
/// /etc/resolv.conf as `ansible_dns`.
Json ParseResolvConf(std::string_view content);
/// INI text as Ansible reads a local .fact file (sections of options);
/// nullopt when it is not INI either.
std::optional<Json> ParseFactIni(std::string_view content);
/// `capsh --print`'s "Current:" text for the capability sets of
/// /proc/self/status (libcap's cap_to_text).
std::string CapabilityText(uint64_t effective, uint64_t permitted, uint64_t inheritable,
                           int cap_last_cap);
/// Ansible's bytes_to_human: "1.50 GB".
std::string BytesToHuman(double bytes);

/// Ansible's fact collectors: the unit `gather_subset` selects.
struct FactCollector {
  std::string name;
  std::vector<std::string> fact_ids;  // other names gather_subset accepts for it
  std::vector<std::string> required;  // collectors whose facts it reads
  void (*add)(const FactSources&, Json&);
  std::vector<std::string> facts;     // the facts it always returns (the schema)
};
/// Every collector, in an order where each comes after those it requires.
const std::vector<FactCollector>& FactCollectors();
/// The collectors always gathered (`min`), as Ansible's setup module lists them.
const std::set<std::string>& MinimalGatherSubset();
/// Ansible's gather_subset resolution: names of the collectors to run,
/// including those they require; an unknown positive name is an error.
Expected<std::set<std::string>> ResolveGatherSubset(const std::vector<std::string>& subset);

/// All facts, `ansible_`-prefixed as the setup module returns them.
Json ShapeFacts(const FactSources& sources);
/// The facts of the named collectors only.
Json ShapeFacts(const FactSources& sources, const std::set<std::string>& collectors);

/// Names ShapeFacts always returns (the fact schema; a test keeps it honest).
const std::vector<std::string>& FactNames();

}  // namespace tend
