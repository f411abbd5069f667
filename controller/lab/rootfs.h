#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/lab/apt_sources.h"
#include "core/error.h"

namespace tend::lab {

/// What the cached base root filesystem is built from.
struct BaseSpec {
  std::string suite = "bookworm";
  /// The Debian mirror debootstrap fetches from; empty = the one the apt
  /// sources under `apt_root` name (DebianMirrorFromApt), looked up only when
  /// the base has to be built.
  std::string mirror;
  std::string apt_root;  // "" = this machine's /etc/apt
  std::vector<std::string> packages = {"openssh-server", "sudo",    "systemd",
                                       "systemd-sysv",   "python3", "ca-certificates",
                                       "iproute2",       "dbus"};
  /// The program that builds it (a test names one that does not exist).
  std::string debootstrap = "debootstrap";
};

/// The cache key: "<suite>-<12 hex digits>" over the suite, the sorted package
/// list and the recipe version (so changing how the base is finished rebuilds
/// it). The mirror is not part of it: any mirror gives the same base.
std::string BaseKey(const BaseSpec& spec);

struct BaseImage {
  std::string key;
  std::string rootfs;
};

/// Progress lines for the user ("building the base…").
using Progress = std::function<void(std::string_view)>;

/// The base for `spec` under `state_dir`/base, built with debootstrap the
/// first time (under a lock, so concurrent `lab up`s build it once).
Expected<BaseImage> EnsureBase(const std::string& state_dir, const BaseSpec& spec,
                               const Progress& progress);

/// The files that make a host itself, written into its overlay's upper
/// directory before it starts.
struct HostIdentity {
  std::string name;
  std::string address;
  std::string authorized_key;    // the lab's public key
  std::string host_private_key;  // this host's own ed25519 key pair
  std::string host_public_key;
  std::string resolv_conf;  // the machine's, so apt inside reaches the mirror
};

/// sshd's drop-in: listen only on the host's own loopback address, with the
/// host's own key, keys only.
std::string RenderSshdConfig(std::string_view address);

/// /etc/hosts for a host.
std::string RenderEtcHosts(std::string_view name, std::string_view address);

/// Writes the identity files into `upper`, creating parent directories with
/// the owner and mode they have in `lower` so the merged view is unchanged.
Expected<void> WriteHostIdentity(const std::string& upper, const std::string& lower,
                                 const HostIdentity& identity);

/// Whether an apt source file can be copied into the base: every keyring it
/// names with Signed-By / signed-by= exists under `rootfs`.
bool AptSourceUsable(std::string_view text, AptSourceFormat format, const std::string& rootfs);

}  // namespace tend::lab
