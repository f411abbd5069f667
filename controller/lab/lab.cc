#include "controller/lab/lab.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "controller/lab/files.h"
#include "controller/lab/lab_inventory.h"
#include "controller/lab/lab_registry.h"
#include "controller/lab/mounts.h"
#include "controller/lab/process.h"
#include "core/strings.h"
#include "core/suggest.h"

namespace tend::lab {
namespace fs = std::filesystem;
namespace {

using Hosts = std::vector<std::pair<HostPlace, HostProcess>>;

HostPlace PlaceOf(const LabPaths& paths, const LabRecord& record, const HostRecord& host) {
  return HostPlace{record.name, host.name, host.address, paths.HostDir(host.name), record.lower};
}

Expected<void> SaveRecord(const LabPaths& paths, const LabRecord& record) {
  return WriteFile(paths.Record(), RecordToJson(record).dump(2) + "\n");
}

std::optional<LabRecord> LoadRecord(const LabPaths& paths) {
  auto text = ReadFile(paths.Record());
  if (!text) return std::nullopt;
  auto json = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  return RecordFromJson(json);
}

Expected<void> KeyGen(const std::string& path, const std::string& comment) {
  if (PathExists(path) && PathExists(path + ".pub")) return {};
  std::error_code ec;
  fs::remove(path, ec);
  fs::remove(path + ".pub", ec);
  auto run = RunCommand({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", path});
  if (!run) return std::unexpected(run.error());
  if (run->exit_code != 0) {
    return Fail(fmt::format("ssh-keygen failed for {}: {}", path, run->output));
  }
  return {};
}

// Changes the registry under its lock: `change` edits the table in place.
template <class Change>
Expected<void> EditRegistry(const LabPaths& paths, Change change) {
  auto lock = FileLock::Acquire(paths.RegistryLock());
  if (!lock) return std::unexpected(lock.error());
  BlockTable table = ParseRegistry(ReadFile(paths.Registry()).value_or(""));
  if (auto r = change(table); !r) return r;
  return WriteFile(paths.Registry(), RenderRegistry(table));
}

Expected<int> ClaimBlock(const LabPaths& paths) {
  int block = 0;
  auto r = EditRegistry(paths, [&](BlockTable& table) -> Expected<void> {
    auto allocated = AllocateBlock(paths.name, table);
    if (!allocated) return std::unexpected(allocated.error());
    block = *allocated;
    table[paths.name] = block;
    return {};
  });
  if (!r) return std::unexpected(r.error());
  return block;
}

// Writes the identity files of a host into its overlay before it starts.
Expected<void> PrepareHost(const LabPaths& paths, const HostPlace& place) {
  std::string host_key = place.dir + "/ssh_host_ed25519_key";
  if (auto r = MakeDirs(place.dir); !r) return r;
  if (auto r = KeyGen(host_key, "root@" + place.name); !r) return r;
  auto private_key = ReadFile(host_key);
  auto public_key = ReadFile(host_key + ".pub");
  auto authorized = ReadFile(paths.Key() + ".pub");
  if (!private_key || !public_key || !authorized) return Fail("cannot read the lab's keys");
  HostIdentity identity{place.name,   place.address, *authorized,
                        *private_key, *public_key,   ReadFile("/etc/resolv.conf").value_or("")};
  if (auto r = MakeDirs(place.Upper()); !r) return r;
  return WriteHostIdentity(place.Upper(), place.lower, identity);
}

Expected<HostProcess> PrepareAndStart(const LabPaths& paths, const HostPlace& place,
                                      Runtime runtime) {
  if (auto r = PrepareHost(paths, place); !r) return std::unexpected(r.error());
  return StartHost(place, runtime);
}

// A fresh overlay: the upper and work directories go, the host key stays.
Expected<void> WipeOverlay(const HostPlace& place) {
  for (const auto& dir : {place.Upper(), place.Work()}) {
    if (auto r = RemoveTreeSafely(dir); !r) return r;
  }
  return {};
}

// In auto mode the first host tries to boot with systemd-nspawn; if that
// fails, the lab falls back to chroot + sshd for all its hosts.
Expected<HostProcess> StartFirstHostAuto(const LabPaths& paths, const HostPlace& place,
                                         std::chrono::seconds timeout, Runtime& runtime,
                                         const Progress& progress) {
  auto started = PrepareAndStart(paths, place, Runtime::kNspawn);
  Expected<void> up = started ? WaitForHosts({{place, *started}}, timeout)
                              : Expected<void>(std::unexpected(started.error()));
  if (up) return started;
  progress(fmt::format("booting with systemd-nspawn failed, falling back to chroot + sshd: {}",
                       up.error().ToString()));
  if (started) {
    if (auto r = StopHosts({{place, *started}}); !r) return std::unexpected(r.error());
  }
  if (auto r = WipeOverlay(place); !r) return std::unexpected(r.error());
  runtime = Runtime::kChroot;
  return PrepareAndStart(paths, place, runtime);
}

// Starts the hosts at `indices` of the record, saving pids as they start so
// `down` can find them even if this process dies. `started` collects what was
// started, for teardown on failure.
Expected<void> StartHosts(const LabPaths& paths, LabRecord& record,
                          const std::vector<size_t>& indices, bool auto_runtime,
                          std::chrono::seconds timeout, Hosts& started, const Progress& progress) {
  for (size_t i : indices) {
    if (auto r = CheckAddressFree(record.hosts[i].address, 22); !r) return r;
  }
  for (size_t n = 0; n < indices.size(); ++n) {
    auto& host = record.hosts[indices[n]];
    HostPlace place = PlaceOf(paths, record, host);
    auto proc = n == 0 && auto_runtime
                    ? StartFirstHostAuto(paths, place, timeout, record.runtime, progress)
                    : PrepareAndStart(paths, place, record.runtime);
    if (!proc) return std::unexpected(proc.error());
    host.process = *proc;
    started.emplace_back(place, *proc);
    if (auto r = SaveRecord(paths, record); !r) return r;
  }
  return WaitForHosts(started, timeout);
}

LabStatus StatusOf(const LabPaths& paths, const LabRecord& record, bool probe_ssh) {
  LabStatus status{record.name,        std::string(RuntimeName(record.runtime)),
                   paths.Inventory(),  paths.Key(),
                   paths.KnownHosts(), {}};
  for (const auto& h : record.hosts) {
    bool running = IsProcessAlive(h.process.pid, h.process.start_time);
    bool ready = running && probe_ssh && SshReady(h.address, std::chrono::milliseconds(500));
    status.hosts.push_back({h.name, h.address, h.process.pid, running, ready});
  }
  return status;
}

Expected<void> WriteLabFiles(const LabPaths& paths, const LabRecord& record,
                             const std::string& extra_inventory) {
  std::vector<InventoryHost> hosts;
  for (const auto& h : record.hosts) {
    auto key = ReadFile(paths.HostDir(h.name) + "/ssh_host_ed25519_key.pub");
    if (!key) return std::unexpected(key.error());
    hosts.push_back({h.name, h.address, *key});
  }
  std::string inventory = RenderInventory(record.name, hosts, {paths.Key(), paths.KnownHosts()});
  if (auto r = WriteFile(paths.KnownHosts(), RenderKnownHosts(hosts)); !r) return r;
  if (auto r = WriteFile(paths.Inventory(), inventory); !r) return r;
  if (extra_inventory.empty()) return {};
  fs::path target = fs::absolute(extra_inventory);
  if (target.has_parent_path()) {
    if (auto r = MakeDirs(target.parent_path().string()); !r) return r;
  }
  return WriteFile(target.string(), inventory);
}

Expected<std::optional<Runtime>> ChooseRuntime(std::string_view requested) {
  if (requested == "auto") {
    if (FindProgram("systemd-nspawn")) return std::nullopt;  // try it, fall back if needed
    return Runtime::kChroot;
  }
  auto runtime = ParseRuntime(requested);
  if (!runtime) {
    return Fail(fmt::format("unknown runtime '{}': use auto, nspawn or chroot", requested));
  }
  return runtime;
}

std::vector<std::string> HostNames(const LabRecord& record) {
  std::vector<std::string> names;
  for (const auto& h : record.hosts) names.push_back(h.name);
  return names;
}

// The hosts `up` should run: those asked for, or the lab's own when none
// are given; a running lab may grow but not change.
Expected<std::vector<std::string>> WantedHosts(const UpRequest& request,
                                               const std::optional<LabRecord>& record) {
  if (record && request.count == 0 && request.hosts.empty()) return HostNames(*record);
  auto names = PlanHostNames(request.count, request.hosts);
  if (!names || !record || GrowsFrom(HostNames(*record), *names)) return names;
  return Fail(fmt::format(
      "lab '{}' is up with hosts {}; it can grow (same hosts first) but not change: take it "
      "down first (tend lab down --name {})",
      request.name, Join(HostNames(*record), ","), request.name));
}

// Starts every host of the record that is not running and waits for all of
// them; then writes known_hosts and the inventory.
Expected<void> BringUp(const LabPaths& paths, LabRecord& record, const UpRequest& request,
                       bool auto_runtime, Hosts& started, const Progress& progress) {
  if (auto r = MakeDirs(paths.Dir()); !r) return r;
  if (auto r = SaveRecord(paths, record); !r) return r;
  if (auto r = KeyGen(paths.Key(), "tend-lab-" + record.name); !r) return r;
  std::vector<size_t> to_start;
  for (size_t i = 0; i < record.hosts.size(); ++i) {
    const auto& h = record.hosts[i];
    if (IsProcessAlive(h.process.pid, h.process.start_time)) continue;
    // Whatever is left of a host that stopped (after a reboot, a crash) goes first.
    if (auto r = StopHosts({{PlaceOf(paths, record, h), h.process}}); !r) return r;
    to_start.push_back(i);
  }
  if (!to_start.empty()) {
    progress(fmt::format("starting {} host(s) of lab '{}'", to_start.size(), record.name));
  }
  auto timeout = std::chrono::seconds(request.timeout_seconds);
  if (auto r = StartHosts(paths, record, to_start, auto_runtime, timeout, started, progress); !r) {
    return r;
  }
  // Hosts that were already running must answer too.
  Hosts all;
  for (const auto& h : record.hosts) all.emplace_back(PlaceOf(paths, record, h), h.process);
  if (auto r = WaitForHosts(all, timeout); !r) return r;
  if (auto r = SaveRecord(paths, record); !r) return r;
  return WriteLabFiles(paths, record, request.write_inventory);
}

// Drops the hosts after the first `kept` (added by an `up` that failed).
Expected<void> ForgetHostsAfter(const LabPaths& paths, LabRecord& record, size_t kept) {
  for (size_t i = kept; i < record.hosts.size(); ++i) {
    if (auto r = RemoveTreeSafely(paths.HostDir(record.hosts[i].name)); !r) return r;
  }
  record.hosts.resize(std::min(kept, record.hosts.size()));
  return SaveRecord(paths, record);
}

// Stops hosts, then deletes the lab and its registry entry.
Expected<void> Dismantle(const LabPaths& paths, const std::optional<LabRecord>& record) {
  Hosts hosts;
  if (record) {
    for (const auto& h : record->hosts) hosts.emplace_back(PlaceOf(paths, *record, h), h.process);
  }
  // Host directories the record does not know (a crash between creating and
  // recording) are still checked for processes and mounts.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(paths.Dir() + "/hosts", ec)) {
    std::string name = entry.path().filename().string();
    bool known = std::any_of(hosts.begin(), hosts.end(),
                             [&](const auto& h) { return h.first.name == name; });
    if (!known)
      hosts.emplace_back(HostPlace{paths.name, name, "", entry.path().string(), ""}, HostProcess{});
  }
  if (auto r = StopHosts(hosts); !r) return r;
  if (auto r = RemoveTreeSafely(paths.Dir()); !r) return r;
  RemoveLabCgroups(paths.name);
  return EditRegistry(paths, [&](BlockTable& table) -> Expected<void> {
    table.erase(paths.name);
    return {};
  });
}

Expected<void> PurgeBases(const LabPaths& paths, const Progress& progress) {
  auto lock = FileLock::Acquire(paths.RegistryLock());
  if (!lock) return std::unexpected(lock.error());
  BlockTable table = ParseRegistry(ReadFile(paths.Registry()).value_or(""));
  if (!table.empty()) {
    std::vector<std::string> names;
    for (const auto& [name, block] : table) names.push_back(name);
    progress(fmt::format("kept the cached base: labs {} still use it", Join(names, ",")));
    return {};
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(paths.state + "/base", ec)) {
    std::string key = entry.path().stem().string();
    auto base_lock = FileLock::Acquire(paths.state + "/locks/base-" + key + ".lock");
    if (!base_lock) return std::unexpected(base_lock.error());
    if (auto r = RemoveTreeSafely(entry.path().string()); !r) return r;
  }
  progress("deleted the cached base");
  return {};
}

Expected<LabPaths> LockedLab(const std::string& name) {
  if (auto r = CheckRoot(geteuid()); !r) return std::unexpected(r.error());
  if (auto r = ValidateLabName(name); !r) return std::unexpected(r.error());
  LabPaths paths{StateDir(), name};
  if (auto r = MakeDirs(paths.state + "/locks"); !r) return std::unexpected(r.error());
  return paths;
}

}  // namespace

std::string StateDir() {
  const char* dir = std::getenv("TEND_LAB_DIR");
  std::string state = dir && *dir ? dir : "/var/lib/tend/lab";
  state = fs::absolute(state).lexically_normal().string();
  if (state.size() > 1 && state.back() == '/') state.pop_back();
  return state;
}

Json RecordToJson(const LabRecord& record) {
  Json hosts = Json::array();
  for (const auto& h : record.hosts) {
    hosts.push_back({{"name", h.name},
                     {"address", h.address},
                     {"pid", h.process.pid},
                     {"start_time", h.process.start_time}});
  }
  return Json{{"name", record.name},
              {"block", record.block},
              {"runtime", RuntimeName(record.runtime)},
              {"lower", record.lower},
              {"hosts", hosts}};
}

std::optional<LabRecord> RecordFromJson(const Json& json) {
  try {
    LabRecord record;
    record.name = json.at("name").get<std::string>();
    record.block = json.at("block").get<int>();
    auto runtime = ParseRuntime(json.at("runtime").get<std::string>());
    if (!runtime) return std::nullopt;
    record.runtime = *runtime;
    record.lower = json.at("lower").get<std::string>();
    for (const auto& h : json.at("hosts")) {
      record.hosts.push_back(
          {h.at("name").get<std::string>(), h.at("address").get<std::string>(),
           HostProcess{h.at("pid").get<pid_t>(), h.at("start_time").get<uint64_t>()}});
    }
    return record;
  } catch (const Json::exception&) {
    return std::nullopt;
  }
}

Expected<void> CheckRoot(uid_t euid) {
  if (euid == 0) return {};
  return Fail(
      "tend lab must run as root: it mounts overlays and starts containers (try: sudo tend lab "
      "...)");
}

// Every booted host's systemd holds several inotify instances, and the
// kernel's default of 128 per user runs out near twenty hosts ("Failed to
// allocate manager object: Too many open files"). Raise the machine's limits
// (never lower them) before booting.
void RaiseInotifyLimits(const Progress& progress) {
  const std::pair<const char*, long> limits[] = {
      {"/proc/sys/fs/inotify/max_user_instances", 8192},
      {"/proc/sys/fs/inotify/max_user_watches", 1048576}};
  for (const auto& [path, wanted] : limits) {
    auto current = ReadFile(path);
    if (!current) continue;
    long now = std::strtol(current->c_str(), nullptr, 10);
    if (now >= wanted) continue;
    std::ofstream out(path);
    out << wanted << "\n";
    out.close();
    if (!out) {
      progress(fmt::format("could not raise {} from {} (many hosts may fail to boot)", path, now));
    } else {
      progress(fmt::format("raised {} from {} to {}", path, now, wanted));
    }
  }
}

Expected<LabStatus> Up(const UpRequest& request, const Progress& progress) {
  auto paths = LockedLab(request.name);
  if (!paths) return std::unexpected(paths.error());
  if (!FindProgram("ssh-keygen")) {
    return Fail("ssh-keygen is not installed (apt-get install openssh-client)");
  }
  auto chosen = ChooseRuntime(request.runtime);
  if (!chosen) return std::unexpected(chosen.error());
  auto lab_lock = FileLock::Acquire(paths->LabLock());
  if (!lab_lock) return std::unexpected(lab_lock.error());
  auto record = LoadRecord(*paths);
  auto names = WantedHosts(request, record);
  if (!names) return std::unexpected(names.error());
  auto base = EnsureBase(paths->state, request.base, progress);
  if (!base) return std::unexpected(base.error());

  bool created = !record;
  size_t kept = record ? record->hosts.size() : 0;
  if (created) {
    auto block = ClaimBlock(*paths);
    if (!block) return std::unexpected(block.error());
    record = LabRecord{request.name, *block, chosen->value_or(Runtime::kNspawn), base->rootfs, {}};
  } else if (!PathExists(record->lower)) {
    record->lower = base->rootfs;
  }
  for (size_t i = record->hosts.size(); i < names->size(); ++i) {
    record->hosts.push_back({(*names)[i], HostAddress(record->block, i), {}});
  }
  RaiseInotifyLimits(progress);
  Hosts started;
  bool auto_runtime = created && !chosen->has_value();
  if (auto r = BringUp(*paths, *record, request, auto_runtime, started, progress); !r) {
    // Partial failure: stop what this call started; forget a lab it created
    // and hosts it added.
    (void)StopHosts(started);
    if (created) {
      (void)Dismantle(*paths, record);
    } else {
      (void)ForgetHostsAfter(*paths, *record, kept);
    }
    return std::unexpected(r.error());
  }
  return StatusOf(*paths, *record, /*probe_ssh=*/false);
}

Expected<bool> Down(const std::string& name, bool purge, const Progress& progress) {
  auto paths = LockedLab(name);
  if (!paths) return std::unexpected(paths.error());
  bool existed = false;
  {
    auto lab_lock = FileLock::Acquire(paths->LabLock());
    if (!lab_lock) return std::unexpected(lab_lock.error());
    existed = PathExists(paths->Dir()) ||
              ParseRegistry(ReadFile(paths->Registry()).value_or("")).count(name) > 0;
    if (auto r = Dismantle(*paths, LoadRecord(*paths)); !r) return std::unexpected(r.error());
  }
  if (purge) {
    if (auto r = PurgeBases(*paths, progress); !r) return std::unexpected(r.error());
  }
  return existed;
}

Expected<LabStatus> Reset(const std::string& name, const std::vector<std::string>& only,
                          int timeout_seconds, const Progress& progress) {
  auto paths = LockedLab(name);
  if (!paths) return std::unexpected(paths.error());
  auto lab_lock = FileLock::Acquire(paths->LabLock());
  if (!lab_lock) return std::unexpected(lab_lock.error());
  auto record = LoadRecord(*paths);
  if (!record) {
    return Fail(
        fmt::format("lab '{}' is not up; start it with 'tend lab up --name {} -n 3'", name, name));
  }
  std::vector<size_t> indices;
  auto names = HostNames(*record);
  for (size_t i = 0; i < names.size(); ++i) {
    if (only.empty() || std::count(only.begin(), only.end(), names[i])) indices.push_back(i);
  }
  for (const auto& wanted : only) {
    if (std::count(names.begin(), names.end(), wanted) == 0) {
      return Fail(fmt::format("lab '{}' has no host '{}'{}", name, wanted,
                              SuggestionSuffix(wanted, names)));
    }
  }
  Hosts stopping;
  for (size_t i : indices) {
    stopping.emplace_back(PlaceOf(*paths, *record, record->hosts[i]), record->hosts[i].process);
  }
  if (auto r = StopHosts(stopping); !r) return std::unexpected(r.error());
  for (const auto& [place, proc] : stopping) {
    if (auto r = WipeOverlay(place); !r) return std::unexpected(r.error());
  }
  progress(
      fmt::format("restarting {} host(s) of lab '{}' on fresh overlays", indices.size(), name));
  Hosts started;
  auto timeout = std::chrono::seconds(timeout_seconds);
  if (auto r = StartHosts(*paths, *record, indices, false, timeout, started, progress); !r) {
    (void)StopHosts(started);
    return std::unexpected(r.error());
  }
  if (auto r = SaveRecord(*paths, *record); !r) return std::unexpected(r.error());
  return StatusOf(*paths, *record, /*probe_ssh=*/false);
}

Expected<std::vector<LabStatus>> Status(const std::string& name) {
  LabPaths any{StateDir(), ""};
  std::vector<std::string> names;
  if (!name.empty()) {
    if (auto r = ValidateLabName(name); !r) return std::unexpected(r.error());
    names.push_back(name);
  } else {
    for (const auto& [lab, block] : ParseRegistry(ReadFile(any.Registry()).value_or(""))) {
      names.push_back(lab);
    }
  }
  std::vector<LabStatus> labs;
  for (const auto& lab : names) {
    LabPaths paths{any.state, lab};
    auto record = LoadRecord(paths);
    if (!record) {
      if (!name.empty()) return Fail(fmt::format("lab '{}' does not exist", lab));
      continue;
    }
    labs.push_back(StatusOf(paths, *record, /*probe_ssh=*/true));
  }
  return labs;
}

Expected<std::string> InventoryPath(const std::string& name) {
  if (auto r = ValidateLabName(name); !r) return std::unexpected(r.error());
  LabPaths paths{StateDir(), name};
  if (!PathExists(paths.Inventory())) {
    return Fail(
        fmt::format("lab '{}' is not up; start it with 'tend lab up --name {} -n 3'", name, name));
  }
  return paths.Inventory();
}

}  // namespace tend::lab
