#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/lab/host_runtime.h"
#include "controller/lab/rootfs.h"
#include "core/error.h"
#include "core/json.h"

namespace tend::lab {

/// $TEND_LAB_DIR, or /var/lib/tend/lab.
std::string StateDir();

/// Where one lab keeps its files under the state directory:
///   labs/<name>/lab.json            hosts, addresses, runtime, pids
///   labs/<name>/id_ed25519[.pub]    the key root logs in with
///   labs/<name>/known_hosts         the hosts' real host keys
///   labs/<name>/inventory.ini       the generated inventory
///   labs/<name>/hosts/<host>/       host key, overlay upper/work, mount point root/, console.log
struct LabPaths {
  std::string state;
  std::string name;

  std::string Dir() const { return state + "/labs/" + name; }
  std::string Record() const { return Dir() + "/lab.json"; }
  std::string Key() const { return Dir() + "/id_ed25519"; }
  std::string KnownHosts() const { return Dir() + "/known_hosts"; }
  std::string Inventory() const { return Dir() + "/inventory.ini"; }
  std::string HostDir(std::string_view host) const { return Dir() + "/hosts/" + std::string(host); }
  std::string LabLock() const { return state + "/locks/lab-" + name + ".lock"; }
  std::string RegistryLock() const { return state + "/locks/registry.lock"; }
  std::string Registry() const { return state + "/registry.json"; }
};

/// What lab.json holds.
struct HostRecord {
  std::string name;
  std::string address;
  HostProcess process;
};
struct LabRecord {
  std::string name;
  int block = 0;
  Runtime runtime = Runtime::kNspawn;
  std::string lower;  // the base rootfs the hosts' overlays stack on
  std::vector<HostRecord> hosts;
};
Json RecordToJson(const LabRecord& record);
std::optional<LabRecord> RecordFromJson(const Json& json);

/// Fails unless `euid` is root, saying why the lab needs it.
Expected<void> CheckRoot(uid_t euid);

struct UpRequest {
  std::string name = "default";
  int count = 0;                   // -n
  std::vector<std::string> hosts;  // --hosts
  std::string runtime = "auto";    // auto | nspawn | chroot
  int timeout_seconds = 90;
  std::string write_inventory;  // also copy the inventory here
  BaseSpec base;
};

struct HostStatus {
  std::string name;
  std::string address;
  pid_t pid = 0;
  bool running = false;
  bool ssh_ready = false;
};
struct LabStatus {
  std::string name;
  std::string runtime;
  std::string inventory;
  std::string private_key;
  std::string known_hosts;
  std::vector<HostStatus> hosts;
};

/// Starts the lab's hosts (building the base first if needed). Idempotent:
/// running hosts are kept, stopped ones restarted on their overlays. On
/// failure, stops what this call started and forgets a lab it created.
Expected<LabStatus> Up(const UpRequest& request, const Progress& progress);

/// Stops every host, checks nothing is mounted or running, deletes the lab.
/// With `purge`, also deletes the cached base unless another lab still uses
/// it. Returns false when there was no such lab.
Expected<bool> Down(const std::string& name, bool purge, const Progress& progress);

/// Restarts hosts (all, or the named ones) on fresh overlays; host keys stay,
/// so known_hosts stays valid.
Expected<LabStatus> Reset(const std::string& name, const std::vector<std::string>& hosts,
                          int timeout_seconds, const Progress& progress);

/// The named lab, or every lab when `name` is empty.
Expected<std::vector<LabStatus>> Status(const std::string& name);

/// The path of the lab's inventory; fails when the lab does not exist.
Expected<std::string> InventoryPath(const std::string& name);

}  // namespace tend::lab
