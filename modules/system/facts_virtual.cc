// Ansible's Linux virtualisation collector: what this machine runs in
// (containers, hypervisors) and hosts, from /proc, /run and DMI.

#include <cstring>
#include <regex>
#include <tuple>

#include "core/strings.h"
#include "modules/system/fact_shaping.h"

namespace tend::facts {
namespace {

// The first finding sets type and role; every finding adds its technology.
struct Findings {
  Json facts = Json::object();
  std::set<std::string> guest, host;
  bool found = false;

  void Guest(const std::string& tech, const std::string& type, const char* role = "guest") {
    guest.insert(tech);
    Set(type, role);
  }
  void Host(const std::string& tech, const std::string& type) {
    host.insert(tech);
    Set(type, "host");
  }
  void Set(const std::string& type, const char* role) {
    if (found) return;
    facts["virtualization_type"] = type;
    if (role) facts["virtualization_role"] = role;
    found = true;
  }
};

void Containers(const FileSnapshot& files, Findings& v) {
  static const std::regex kDocker(R"(/docker(/|-[0-9a-f]+\.scope))");
  for (const auto& line : Lines(files.Read("/proc/1/cgroup").value_or(""))) {
    if (std::regex_search(line, kDocker)) v.Guest("docker", "docker");
    if (line.find("/lxc/") != std::string::npos ||
        line.find("/machine.slice/machine-lxc") != std::string::npos) {
      v.Guest("lxc", "lxc");
    }
    if (line.find("/system.slice/containerd.service") != std::string::npos) v.Guest("containerd", "containerd");
  }
  for (const auto& entry : SplitString(files.Read("/proc/1/environ").value_or(""), '\0')) {
    if (entry.find("container=lxc") != std::string::npos) v.Guest("lxc", "lxc");
    if (entry.find("container=podman") != std::string::npos) v.Guest("podman", "podman");
    if (entry.starts_with("container=") && entry.size() > 10) v.Guest("container", "container");
  }
  if (files.Exists("/proc/vz") && !files.Exists("/proc/lve")) {
    bool host = files.Exists("/proc/bc");
    (host ? v.host : v.guest).insert("openvz");
    if (!v.found) {
      v.facts["virtualization_type"] = "openvz";
      v.facts["virtualization_role"] = host ? "host" : "guest";
    }
    v.found = true;
  }
  std::string systemd_container = files.Text("/run/systemd/container");
  if (!systemd_container.empty()) v.Guest(systemd_container, systemd_container);
  if (files.Exists("/.dockerenv") || files.Exists("/.dockerinit")) v.Guest("docker", "docker");
  for (const char* tech : {"docker", "lxc", "podman", "openvz", "containerd"}) {
    if (v.guest.contains(tech)) v.guest.insert("container");
  }
  if (!systemd_container.empty()) v.guest.insert("container");
}

void Hypervisors(const FactSources& s, Findings& v) {
  const FileSnapshot& files = s.files;
  if (files.Exists("/proc/xen")) {
    bool host = files.Read("/proc/xen/capabilities").value_or("").find("control_d") != std::string::npos;
    if (host) {
      v.Host("xen", "xen");
    } else {
      v.Set("xen", "guest");
    }
  }
  auto dmi = [&](const char* name) { return files.Text(std::string("/sys/devices/virtual/dmi/id/") + name); };
  std::string product = dmi("product_name"), vendor = dmi("sys_vendor"), family = dmi("product_family");
  std::string bios = dmi("bios_vendor");
  // From here the role is only set by later checks; DMI sets the type.
  auto typed = [&](const std::string& tech, const std::string& type) {
    v.guest.insert(tech);
    if (!v.found) {
      v.facts["virtualization_type"] = type;
      v.facts["virtualization_role"] = "guest";
      v.found = true;
    }
  };
  if (product == "KVM" || product == "KVM Server" || product == "Bochs" || product == "AHV") typed("kvm", "kvm");
  if (vendor == "oVirt") typed("oVirt", "oVirt");
  if (vendor == "Red Hat" && family == "RHV") typed("RHV", "RHV");
  if (vendor == "Red Hat" && family != "RHV" && product == "RHEV Hypervisor") typed("RHEV", "RHEV");
  if (product == "VMware Virtual Platform" || product == "VMware7,1") typed("VMware", "VMware");
  if (product == "OpenStack Compute" || product == "OpenStack Nova") typed("openstack", "openstack");
  if (bios == "Xen") typed("xen", "xen");
  if (bios == "innotek GmbH") typed("virtualbox", "virtualbox");
  if (bios == "Amazon EC2" || bios == "DigitalOcean" || bios == "Hetzner") typed("kvm", "kvm");
  for (const char* kvm : {"QEMU", "Amazon EC2", "DigitalOcean", "Google", "Scaleway", "Nutanix"}) {
    if (vendor == kvm) typed("kvm", "kvm");
  }
  if (vendor == "KubeVirt") typed("KubeVirt", "KubeVirt");
  if (vendor == "Microsoft Corporation") typed("VirtualPC", "VirtualPC");
  if (vendor == "Parallels Software International Inc.") typed("parallels", "parallels");
  if (vendor == "OpenStack Foundation") typed("openstack", "openstack");
  static const std::regex kVxid(R"(^VxID:\s+(\d+))");
  for (const auto& line : Lines(files.Read("/proc/self/status").value_or(""))) {
    std::smatch m;
    if (!std::regex_search(line, m, kVxid)) continue;
    if (m[1] == "0") {
      v.Host("linux_vserver", "linux_vserver");
    } else {
      v.Guest("linux_vserver", "linux_vserver");
    }
  }
  // Ansible's re.match patterns on /proc/cpuinfo lines: a key prefix, then a
  // marker anywhere after it.
  static const std::vector<std::tuple<const char*, const char*, const char*, const char*>> kCpuMarks{
      {"model name", "QEMU Virtual CPU", "kvm", "guest"},
      {"vendor_id", "User Mode Linux", "uml", "guest"},
      {"model name", "UML", "uml", "guest"},
      {"vendor_id", "PowerVM Lx86", "powervm_lx86", "guest"},
      {"vendor_id", "IBM/S390", "ibm_systemz", "LPAR"}};
  for (const auto& line : Lines(files.Read("/proc/cpuinfo").value_or(""))) {
    for (const auto& [key, marker, tech, role] : kCpuMarks) {
      std::string_view l(line);
      if (l.starts_with(key) && l.find(marker, std::strlen(key)) != std::string_view::npos) {
        v.Guest(tech, tech, role);
        break;
      }
    }
  }
  std::set<std::string> modules;
  for (const auto& line : Lines(files.Read("/proc/modules").value_or(""))) modules.insert(line.substr(0, line.find(' ')));
  if (modules.contains("kvm")) {
    v.host.insert("kvm");
    if (!v.found) {
      v.facts["virtualization_type"] = "kvm";
      v.facts["virtualization_role"] = "host";
    }
    v.found = true;
  }
  if (modules.contains("vboxdrv")) v.Host("virtualbox", "virtualbox");
  if (modules.contains("virtio")) {
    v.host.insert("kvm");
    v.Set("kvm", "guest");
  }
  bool dmidecode = files.Exists("/usr/sbin/dmidecode") || files.Exists("/sbin/dmidecode");
  if (dmidecode && product.starts_with("VMware")) v.Guest("VMware", "VMware");
  if (dmidecode && product.find("BHYVE") != std::string::npos) v.Guest("bhyve", "bhyve");
  if (files.Exists("/dev/kvm")) v.Host("kvm", "kvm");
}

}  // namespace

void AddVirtualFacts(const FactSources& s, Json& f) {
  Findings v;
  Containers(s.files, v);
  Hypervisors(s, v);
  if (!v.found) {
    v.facts["virtualization_type"] = "NA";
    v.facts["virtualization_role"] = "NA";
  }
  f["ansible_virtualization_type"] = v.facts["virtualization_type"];
  f["ansible_virtualization_role"] = v.facts.value("virtualization_role", "NA");
  f["ansible_virtualization_tech_guest"] = Json(v.guest);
  f["ansible_virtualization_tech_host"] = Json(v.host);
}

}  // namespace tend::facts
