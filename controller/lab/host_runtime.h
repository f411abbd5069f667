#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/lab/mounts.h"
#include "core/error.h"

namespace tend::lab {

/// How a host runs: booted with systemd in a systemd-nspawn container, or a
/// chroot (own mount and pid namespaces) running only sshd.
enum class Runtime { kNspawn, kChroot };

std::string_view RuntimeName(Runtime runtime);
std::optional<Runtime> ParseRuntime(std::string_view name);

/// Where one host lives on disk and on the network.
struct HostPlace {
  std::string lab;
  std::string name;
  std::string address;
  std::string dir;    // <state>/labs/<lab>/hosts/<name>
  std::string lower;  // the base rootfs

  std::string Upper() const { return dir + "/upper"; }
  std::string Work() const { return dir + "/work"; }
  std::string Root() const { return dir + "/root"; }  // the overlay's mount point
  std::string Log() const { return dir + "/console.log"; }
};

/// The process that holds a running host: systemd-nspawn, or the chroot's
/// sshd (pid 1 of the host's pid namespace). The start time guards against a
/// reused pid.
struct HostProcess {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

/// The cgroup hierarchies a host's processes are placed in (cgroup2 and the
/// v1 name=systemd hierarchy), as mount points from mountinfo. Each host gets
/// <root>/tend-lab/<lab>/<host>, so two booted hosts never share a cgroup and
/// teardown can find every process a host started.
std::vector<std::string> CgroupRoots(const std::vector<MountEntry>& mounts);

/// Fails with a clear message when `address`:`port` cannot be bound.
Expected<void> CheckAddressFree(const std::string& address, int port);

/// Whether /proc/net/tcp or tcp6 text shows a socket listening on `port` on
/// all addresses (0.0.0.0 or ::), which takes that port on every loopback
/// address too — typically the machine's own sshd.
bool ListensOnAllAddresses(std::string_view proc_net_tcp, int port);

/// Starts the host detached (own session, output appended to its log): mounts
/// its overlay inside a private mount namespace, so nothing is mounted in the
/// machine's namespace and the overlay vanishes with the host's last process.
Expected<HostProcess> StartHost(const HostPlace& place, Runtime runtime);

/// True once something on address:port answers with an SSH banner.
bool SshReady(const std::string& address, std::chrono::milliseconds timeout, int port = 22);

/// Waits until every host answers on port 22. Fails on the first host whose
/// process ended or that is not up by the deadline, quoting its log.
Expected<void> WaitForHosts(const std::vector<std::pair<HostPlace, HostProcess>>& hosts,
                            std::chrono::seconds timeout);

/// The error for a host that did not come up, with the last lines of its log.
Error HostNotUpError(const HostPlace& place, bool exited, std::chrono::seconds timeout,
                     std::string_view log_text);

/// Stops hosts (gracefully: nspawn powers the container off), then kills
/// whatever is left in their cgroups, and checks that no process and no mount
/// of theirs remains anywhere. Hosts that are not running are only checked.
Expected<void> StopHosts(const std::vector<std::pair<HostPlace, HostProcess>>& hosts);

/// Every process still in the host's cgroups.
std::vector<pid_t> HostPids(const HostPlace& place);

/// Removes the lab's (now empty) cgroups.
void RemoveLabCgroups(const std::string& lab);

}  // namespace tend::lab
