// Ansible's Linux hardware collector: processors, memory, DMI, block
// devices, uptime, LVM and mounts, shaped from a FactSources snapshot.

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "core/mount_table.h"
#include "core/strings.h"
#include "modules/system/fact_shaping.h"

namespace tend::facts {
namespace {

// get_file_content: the stripped text, or null when the file is missing.
Json FileOrNull(const FileSnapshot& files, const std::string& path) {
  auto text = files.Read(path);
  if (!text) return nullptr;
  return std::string(Trim(*text));
}

void AddCpuFacts(const FactSources& s, Json& f) {
  auto cpuinfo = s.files.Read("/proc/cpuinfo");
  if (!cpuinfo) return;
  bool xen = s.files.Exists("/proc/xen") || s.files.Text("/sys/hypervisor/type") == "xen";
  bool xen_paravirt = false;
  Json processors = Json::array();
  int i = 0, vendor_ids = 0, model_names = 0, processor_lines = 0;
  // Python dicts keep insertion order; Ansible reads the first value of each.
  std::vector<std::pair<std::string, int>> sockets, cores;
  auto slot = [](auto& map, const std::string& key) -> int& {
    for (auto& [k, v] : map) {
      if (k == key) return v;
    }
    return map.emplace_back(key, 1).second;
  };
  std::string physid = "0", coreid = "0";
  for (const auto& line : Lines(*cpuinfo)) {
    size_t colon = line.find(':');
    std::string key(Trim(line.substr(0, colon)));
    std::string val = colon == std::string::npos ? "" : std::string(Trim(line.substr(colon + 1)));
    if (xen && key == "flags" && val.find("vme") == std::string::npos) xen_paravirt = true;
    static const std::set<std::string> kNamed{"model name", "Processor", "vendor_id", "cpu",
                                              "Vendor",     "processor"};
    if (kNamed.contains(key)) {
      processors.push_back(val);
      vendor_ids += key == "vendor_id";
      model_names += key == "model name";
      processor_lines += key == "processor";
      ++i;
    } else if (key == "physical id") {
      physid = val;
      slot(sockets, physid);
    } else if (key == "core id") {
      coreid = val;
      slot(cores, coreid);
    } else if (key == "cpu cores") {
      slot(sockets, physid) = std::atoi(val.c_str());
    } else if (key == "siblings") {
      slot(cores, coreid) = std::atoi(val.c_str());
    }
  }
  if (vendor_ids > 0 && vendor_ids == model_names) i = vendor_ids;
  std::string arch = s.machine;
  if (arch.starts_with("armv") || arch.starts_with("aarch") || arch.starts_with("ppc")) {
    i = processor_lines;
  }
  f["ansible_processor"] = processors;
  if (arch == "s390x") return;
  if (xen_paravirt) {
    for (const char* key : {"ansible_processor_count", "ansible_processor_cores", "ansible_processor_vcpus"}) {
      f[key] = i;
    }
    f["ansible_processor_threads_per_core"] = 1;
  } else {
    int count = sockets.empty() ? i : static_cast<int>(sockets.size());
    int per_socket = !sockets.empty() && sockets.front().second ? sockets.front().second : 1;
    int threads = cores.empty() ? 1 / per_socket : cores.front().second / per_socket;
    f["ansible_processor_count"] = count;
    f["ansible_processor_cores"] = per_socket;
    f["ansible_processor_threads_per_core"] = threads;
    f["ansible_processor_vcpus"] = threads * count * per_socket;
  }
  f["ansible_processor_nproc"] = s.nproc > 0 ? s.nproc : processor_lines;
}

void AddMemoryFacts(const FactSources& s, Json& f) {
  auto text = s.files.Read("/proc/meminfo");
  if (!text) return;
  auto mem = ParseMeminfo(*text);
  auto mb = [&](const char* key) -> Json {
    if (!mem.contains(key)) return nullptr;
    return mem[key] / 1024;
  };
  for (const char* key : {"MemTotal", "SwapTotal", "MemFree", "SwapFree"}) {
    std::string name = key;
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (mem.contains(key)) f["ansible_" + name + "_mb"] = mem[key] / 1024;
  }
  auto diff = [](const Json& a, const Json& b) -> Json {
    if (a.is_null() || b.is_null()) return nullptr;
    return a.get<int64_t>() - b.get<int64_t>();
  };
  Json nocache_free = nullptr;
  if (mem.contains("Cached") && mem.contains("MemFree") && mem.contains("Buffers")) {
    nocache_free = mem["Cached"] / 1024 + mem["MemFree"] / 1024 + mem["Buffers"] / 1024;
  }
  f["ansible_memory_mb"] = Json{
      {"real", {{"total", mb("MemTotal")}, {"used", diff(mb("MemTotal"), mb("MemFree"))}, {"free", mb("MemFree")}}},
      {"nocache", {{"free", nocache_free}, {"used", diff(mb("MemTotal"), nocache_free)}}},
      {"swap",
       {{"total", mb("SwapTotal")},
        {"free", mb("SwapFree")},
        {"used", diff(mb("SwapTotal"), mb("SwapFree"))},
        {"cached", mb("SwapCached")}}}};
}

void AddDmiFacts(const FactSources& s, Json& f) {
  static const std::vector<std::pair<std::string, std::string>> kDmi{
      {"bios_date", "bios_date"},         {"bios_vendor", "bios_vendor"},
      {"bios_version", "bios_version"},   {"board_asset_tag", "board_asset_tag"},
      {"board_name", "board_name"},       {"board_serial", "board_serial"},
      {"board_vendor", "board_vendor"},   {"board_version", "board_version"},
      {"chassis_asset_tag", "chassis_asset_tag"}, {"chassis_serial", "chassis_serial"},
      {"chassis_vendor", "chassis_vendor"}, {"chassis_version", "chassis_version"},
      {"form_factor", "chassis_type"},    {"product_name", "product_name"},
      {"product_serial", "product_serial"}, {"product_uuid", "product_uuid"},
      {"product_version", "product_version"}, {"system_vendor", "sys_vendor"}};
  static const std::vector<std::string> kFormFactor{
      "Unknown", "Other", "Unknown", "Desktop", "Low Profile Desktop", "Pizza Box", "Mini Tower",
      "Tower", "Portable", "Laptop", "Notebook", "Hand Held", "Docking Station", "All In One",
      "Sub Notebook", "Space-saving", "Lunch Box", "Main Server Chassis", "Expansion Chassis",
      "Sub Chassis", "Bus Expansion Chassis", "Peripheral Chassis", "RAID Chassis",
      "Rack Mount Chassis", "Sealed-case PC", "Multi-system", "CompactPCI", "AdvancedTCA", "Blade",
      "Blade Enclosure", "Tablet", "Convertible", "Detachable", "IoT Gateway", "Embedded PC",
      "Mini PC", "Stick PC"};
  // Without /sys DMI Ansible asks dmidecode, which reads the same tables;
  // with neither (containers), every field is "NA".
  bool sysfs = s.files.Exists("/sys/devices/virtual/dmi/id/product_name");
  for (const auto& [key, file] : kDmi) {
    auto text = sysfs ? s.files.Read("/sys/devices/virtual/dmi/id/" + file) : std::nullopt;
    std::string value = text ? std::string(Trim(*text)) : "NA";
    if (key == "form_factor" && text) {
      size_t index = static_cast<size_t>(std::atoi(value.c_str()));
      value = index < kFormFactor.size() ? kFormFactor[index] : fmt::format("unknown ({})", value);
    }
    f["ansible_" + key] = value;
  }
}

// /dev/disk/by-* links: target device name -> sorted link names.
Json DeviceLinks(const FileSnapshot& files, const std::string& dir) {
  std::map<std::string, std::set<std::string>> by_target;
  for (const auto& entry : files.List(dir)) {
    if (auto target = files.Link(dir + "/" + entry)) {
      by_target[target->substr(target->rfind('/') + 1)].insert(entry);
    }
  }
  Json out = Json::object();
  for (const auto& [target, names] : by_target) out[target] = Json(names);
  return out;
}

Json AllDeviceLinks(const FileSnapshot& files) {
  std::map<std::string, std::set<std::string>> masters;
  for (const auto& block : files.List("/sys/block")) {
    for (const auto& slave : files.List("/sys/block/" + block + "/slaves")) masters[slave].insert(block);
  }
  Json masters_json = Json::object();
  for (const auto& [target, devices] : masters) masters_json[target] = Json(devices);
  return Json{{"ids", DeviceLinks(files, "/dev/disk/by-id")},
              {"uuids", DeviceLinks(files, "/dev/disk/by-uuid")},
              {"labels", DeviceLinks(files, "/dev/disk/by-label")},
              {"masters", masters_json}};
}

Json Holders(const FileSnapshot& files, const std::string& sysdir) {
  Json holders = Json::array();
  for (const auto& holder : files.List(sysdir + "/holders")) {
    if (!holder.starts_with("dm-")) continue;
    std::string name = files.Text(sysdir + "/holders/" + holder + "/dm/name");
    holders.push_back(name.empty() ? holder : name);
  }
  return holders;
}

Json LinksOf(const Json& links, const std::string& name) {
  Json out = Json::object();
  for (const auto& [type, values] : links.items()) {
    out[type] = values.contains(name) ? values[name] : Json::array();
  }
  return out;
}

Json SectorSize(const FileSnapshot& files, const std::string& sysdir) {
  std::string size = files.Text(sysdir + "/queue/logical_block_size");
  if (!size.empty()) return size;
  auto hw = files.Read(sysdir + "/queue/hw_sector_size");
  return hw ? Json(std::string(Trim(*hw))) : Json(512);
}

std::string SizeOf(const Json& sectors) {
  double n = sectors.is_string() ? std::atof(sectors.get<std::string>().c_str()) : sectors.get<double>();
  return BytesToHuman(n * 512.0);
}

Json PartitionUuid(const FileSnapshot& files, const std::string& partition) {
  for (const auto& uuid : files.List("/dev/disk/by-uuid")) {
    auto target = files.Link("/dev/disk/by-uuid/" + uuid);
    if (target && target->substr(target->rfind('/') + 1) == partition) return uuid;
  }
  return nullptr;
}

Json BlockDevice(const FileSnapshot& files, const std::string& block, const Json& links) {
  std::string sysdir = "/sys/block/" + block;
  auto target = files.Link(sysdir);
  int virtual_device = 1;
  if (!target) {
    for (const auto& entry : files.List(sysdir)) {
      if (entry.find("device") != std::string::npos) virtual_device = 0;
    }
  }
  Json d{{"virtual", virtual_device}, {"links", LinksOf(links, block)}};
  for (const char* key : {"vendor", "model", "sas_address", "sas_device_handle"}) {
    d[key] = FileOrNull(files, sysdir + "/device/" + key);
  }
  if (std::string serial = files.Text(sysdir + "/device/serial"); !serial.empty()) d["serial"] = serial;
  d["removable"] = FileOrNull(files, sysdir + "/removable");
  d["support_discard"] = FileOrNull(files, sysdir + "/queue/discard_granularity");
  for (const auto& link : files.List("/dev/disk/by-id")) {
    auto wwn = files.Link("/dev/disk/by-id/" + link);
    if (link.starts_with("wwn-") && wwn && wwn->substr(wwn->rfind('/') + 1) == block) d["wwn"] = link.substr(4);
  }
  Json partitions = Json::object();
  for (const auto& entry : files.List(sysdir)) {
    // Ansible's re.search("(" + diskname + "[p]?\\d+)") on each entry.
    size_t at = entry.find(block);
    if (at == std::string::npos) continue;
    size_t digits = at + block.size() + (entry.compare(at + block.size(), 1, "p") == 0 ? 1 : 0);
    size_t end = digits;
    while (end < entry.size() && std::isdigit(static_cast<unsigned char>(entry[end]))) ++end;
    if (end == digits) continue;
    std::string name = entry.substr(at, end - at), dir = sysdir + "/" + name;
    auto start = files.Read(dir + "/start"), sectors = files.Read(dir + "/size");
    Json part{{"links", LinksOf(links, name)},
              {"start", start ? Json(std::string(Trim(*start))) : Json(0)},
              {"sectors", sectors ? Json(std::string(Trim(*sectors))) : Json(0)},
              {"sectorsize", SectorSize(files, dir)},
              {"uuid", PartitionUuid(files, name)},
              {"holders", Holders(files, dir)}};
    part["size"] = SizeOf(part["sectors"]);
    partitions[name] = part;
  }
  d["partitions"] = partitions;
  d["rotational"] = FileOrNull(files, sysdir + "/queue/rotational");
  d["scheduler_mode"] = "";
  static const std::regex kScheduler(R"(.*?(\[(.*)\]))");
  std::smatch m;
  std::string scheduler = files.Text(sysdir + "/queue/scheduler");
  if (std::regex_search(scheduler, m, kScheduler) && m.position(0) == 0) d["scheduler_mode"] = m[2];
  std::string sectors = files.Text(sysdir + "/size");
  d["sectors"] = sectors.empty() ? Json(0) : Json(sectors);
  d["sectorsize"] = SectorSize(files, sysdir);
  d["size"] = SizeOf(d["sectors"]);
  // The PCI controller's description needs lspci's database; Ansible
  // leaves it empty without lspci too.
  d["host"] = "";
  d["holders"] = Holders(files, sysdir);
  return d;
}

void AddDeviceFacts(const FactSources& s, Json& f) {
  if (!s.files.Exists("/sys/block")) return;
  Json links = AllDeviceLinks(s.files);
  f["ansible_device_links"] = links;
  Json devices = Json::object();
  for (const auto& block : s.files.List("/sys/block")) devices[block] = BlockDevice(s.files, block, links);
  f["ansible_devices"] = devices;
}

void AddUptimeFacts(const FactSources& s, Json& f) {
  auto words = Words(s.files.Read("/proc/uptime").value_or(""));
  if (!words.empty()) f["ansible_uptime_seconds"] = static_cast<int64_t>(std::atof(words[0].c_str()));
}

// `vgs`/`lvs`/`pvs --noheadings --nosuffix --units g --separator ,`.
void AddLvmFacts(const FactSources& s, Json& f) {
  if (s.lvm_reports.empty()) {
    f["ansible_lvm"] = "N/A";
    return;
  }
  auto rows = [&](const char* tool) {
    std::vector<std::vector<std::string>> out;
    auto it = s.lvm_reports.find(tool);
    if (it == s.lvm_reports.end()) return out;
    for (const auto& line : Lines(it->second)) out.push_back(SplitString(Trim(line), ','));
    return out;
  };
  Json vgs = Json::object(), lvs = Json::object(), pvs = Json::object();
  for (const auto& r : rows("vgs")) {
    if (r.size() >= 3) {
      vgs[r[0]] = {{"size_g", r[r.size() - 2]}, {"free_g", r.back()}, {"num_lvs", r[2]}, {"num_pvs", r[1]}};
    }
  }
  for (const auto& r : rows("lvs")) {
    if (r.size() >= 4) lvs[r[0]] = {{"size_g", r[3]}, {"vg", r[1]}};
  }
  for (const auto& r : rows("pvs")) {
    if (r.size() >= 6) pvs[r[0]] = {{"size_g", r[4]}, {"free_g", r[5]}, {"vg", r[1]}};
  }
  f["ansible_lvm"] = Json{{"lvs", lvs}, {"vgs", vgs}, {"pvs", pvs}};
}

// Mount points findmnt shows as bind mounts: a filesystem root other than
// "/" (mountinfo's fourth field), which findmnt prints as SOURCE[root].
std::set<std::string> BindMounts(const FileSnapshot& files) {
  std::set<std::string> out;
  bool findmnt = files.Exists("/usr/bin/findmnt") || files.Exists("/bin/findmnt");
  if (!findmnt) return out;
  for (const auto& m : ParseMountInfo(files.Read("/proc/self/mountinfo").value_or(""))) {
    if (m.root != "/") out.insert(m.mount_point);
  }
  return out;
}

void AddMountFacts(const FactSources& s, Json& f) {
  std::map<std::string, std::string> uuids;  // /dev/x -> uuid, as lsblk or udevadm report
  if (s.files.Exists("/usr/bin/lsblk") || s.files.Exists("/bin/udevadm") ||
      s.files.Exists("/usr/bin/udevadm")) {
    for (const auto& uuid : s.files.List("/dev/disk/by-uuid")) {
      if (auto target = s.files.Link("/dev/disk/by-uuid/" + uuid)) {
        uuids.emplace("/dev/" + target->substr(target->rfind('/') + 1), uuid);
      }
    }
  }
  auto mtab = s.files.Read("/etc/mtab");
  if (!mtab) mtab = s.files.Read("/proc/mounts");
  auto binds = BindMounts(s.files);
  // Ansible keys the results by mount point: a later line for the same
  // point replaces the earlier one's fields in its place.
  std::vector<std::string> order;
  std::map<std::string, Json> by_mount;
  for (const auto& m : ParseMounts(mtab.value_or(""))) {
    Json entry{{"mount", m.mount}, {"device", m.device}, {"fstype", m.fstype}, {"options", m.options}};
    if (binds.contains(m.mount)) entry["options"] = m.options + ",bind";
    if (auto it = s.mount_sizes.find(m.mount); it != s.mount_sizes.end()) {
      for (const auto& [key, value] : it->second.items()) entry[key] = value;
    }
    if (s.mount_timeouts.contains(m.mount)) {
      entry["note"] = "Could not get extra information due to timeout";
    } else {
      entry["uuid"] = uuids.contains(m.device) ? uuids[m.device] : "N/A";
    }
    if (!by_mount.contains(m.mount)) order.push_back(m.mount);
    by_mount[m.mount] = entry;
  }
  Json mounts = Json::array();
  for (const auto& mount : order) mounts.push_back(by_mount[mount]);
  f["ansible_mounts"] = mounts;
}

}  // namespace

void AddHardwareFacts(const FactSources& s, Json& f) {
  AddCpuFacts(s, f);
  AddMemoryFacts(s, f);
  AddDmiFacts(s, f);
  AddDeviceFacts(s, f);
  AddUptimeFacts(s, f);
  AddLvmFacts(s, f);
  AddMountFacts(s, f);
}

}  // namespace tend::facts
