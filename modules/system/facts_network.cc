// Ansible's Linux network collector (interfaces from /sys/class/net, their
// addresses as `ip addr show` lists them, the default routes) and the
// small storage-network collectors (iSCSI, NVMe, Fibre Channel).

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "modules/system/fact_shaping.h"

namespace tend::facts {
namespace {

const std::map<std::string, std::string>& InterfaceTypes() {
  static const std::map<std::string, std::string> types{
      {"1", "ether"}, {"32", "infiniband"}, {"512", "ppp"}, {"772", "loopback"}, {"65534", "tunnel"}};
  return types;
}

std::string Basename(const std::string& path) { return path.substr(path.rfind('/') + 1); }

struct LinkInfo {
  Json facts;
  std::optional<std::string> macaddress;  // the raw file, "00:00:..." included
};

LinkInfo ReadLink(const FileSnapshot& files, const std::string& device) {
  std::string path = "/sys/class/net/" + device;
  LinkInfo link{Json{{"device", device}}, std::nullopt};
  Json& d = link.facts;
  if (auto mac = files.Read(path + "/address")) {
    link.macaddress = std::string(Trim(*mac));
    if (!link.macaddress->empty() && *link.macaddress != "00:00:00:00:00:00") d["macaddress"] = *link.macaddress;
  }
  if (auto mtu = files.Read(path + "/mtu")) d["mtu"] = std::atoi(mtu->c_str());
  if (auto state = files.Read(path + "/operstate")) d["active"] = std::string(Trim(*state)) != "down";
  if (auto module = files.Link(path + "/device/driver/module")) d["module"] = Basename(*module);
  if (auto type = files.Read(path + "/type")) {
    auto it = InterfaceTypes().find(std::string(Trim(*type)));
    d["type"] = it == InterfaceTypes().end() ? "unknown" : it->second;
  }
  if (files.Exists(path + "/bridge")) {
    d["type"] = "bridge";
    d["interfaces"] = Json(files.List(path + "/brif"));
    if (auto id = files.Read(path + "/bridge/bridge_id")) d["id"] = std::string(Trim(*id));
    if (auto stp = files.Read(path + "/bridge/stp_state")) d["stp"] = std::string(Trim(*stp)) == "1";
  }
  if (files.Exists(path + "/bonding")) {
    d["type"] = "bonding";
    d["slaves"] = Json(Words(files.Text(path + "/bonding/slaves")));
    for (const char* key : {"mode", "miimon", "lacp_rate"}) {
      auto words = Words(files.Text(path + "/bonding/" + key));
      d[key] = words.empty() ? "" : words[0];
    }
    if (std::string primary = files.Text(path + "/bonding/primary"); !primary.empty()) {
      d["primary"] = primary;
      if (auto all = files.Read(path + "/bonding/all_slaves_active")) {
        d["all_slaves_active"] = std::string(Trim(*all)) == "1";
      }
    }
  }
  if (files.Exists(path + "/bonding_slave")) d["perm_macaddress"] = files.Text(path + "/bonding_slave/perm_hwaddr");
  if (auto pci = files.Link(path + "/device")) d["pciid"] = Basename(*pci);
  // Reading speed fails (EINVAL) on links that are down: no fact then.
  if (auto speed = files.Read(path + "/speed"); speed && !Trim(*speed).empty()) {
    d["speed"] = std::atoi(speed->c_str());
  }
  if (auto flags = files.Read(path + "/flags")) {
    d["promisc"] = (std::strtoul(std::string(Trim(*flags)).c_str(), nullptr, 16) & 0x100) != 0;
  }
  return link;
}

uint32_t ParseIpv4(const std::string& text) {
  in_addr addr{};
  ::inet_pton(AF_INET, text.c_str(), &addr);
  return ntohl(addr.s_addr);
}

std::string FormatIpv4(uint32_t host_order) {
  in_addr addr{htonl(host_order)};
  char buffer[INET_ADDRSTRLEN];
  ::inet_ntop(AF_INET, &addr, buffer, sizeof buffer);
  return buffer;
}

struct NetworkState {
  std::map<std::string, Json> interfaces;
  std::vector<std::string> order;
  Json default_ipv4 = Json::object();
  Json default_ipv6 = Json::object();
  Json all_ipv4 = Json::array();
  Json all_ipv6 = Json::array();

  Json& Interface(const std::string& name) {
    if (!interfaces.contains(name)) order.push_back(name);
    return interfaces[name];
  }
};

// One `inet` line of `ip addr show [primary|secondary] dev DEVICE`.
void AddIpv4(NetworkState& n, const std::string& device, const LinkInfo& link,
             const InterfaceAddress& a, bool secondary) {
  std::string prefix = a.peer ? "32" : a.netmask;
  int bits = std::atoi(prefix.c_str());
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  Json entry{{"address", a.address},
             {"broadcast", a.broadcast},
             {"netmask", FormatIpv4(mask)},
             {"network", FormatIpv4(ParseIpv4(a.address) & mask)},
             {"prefix", prefix}};
  std::string label = a.label.empty() ? device : a.label;
  // Ansible starts an alias ("eth0:1") afresh for each of its lines.
  if (label != device) n.Interface(label) = Json::object();
  Json& iface = n.Interface(label);
  if (!secondary && !iface.contains("ipv4")) {
    iface["ipv4"] = entry;
  } else {
    iface["ipv4_secondaries"].push_back(entry);
  }
  if (secondary) {
    Json& dev = n.Interface(device);
    if (!dev.contains("ipv4_secondaries")) dev["ipv4_secondaries"] = Json::array();
    if (device != label) dev["ipv4_secondaries"].push_back(entry);
  }
  if (n.default_ipv4.value("address", "") == a.address) {
    Json& dev = n.Interface(device);
    for (const char* key : {"broadcast", "netmask", "network", "prefix"}) n.default_ipv4[key] = entry[key];
    n.default_ipv4["macaddress"] = link.macaddress.value_or("unknown");
    n.default_ipv4["mtu"] = dev.value("mtu", Json(nullptr));
    n.default_ipv4["type"] = dev.value("type", "unknown");
    n.default_ipv4["alias"] = label;
  }
  if (!a.address.starts_with("127.")) n.all_ipv4.push_back(a.address);
}

void AddIpv6(NetworkState& n, const std::string& device, const LinkInfo& link,
             const InterfaceAddress& a) {
  Json& dev = n.Interface(device);
  dev["ipv6"].push_back(Json{{"address", a.address}, {"prefix", a.netmask}, {"scope", a.scope}});
  if (n.default_ipv6.value("address", "") == a.address) {
    n.default_ipv6["prefix"] = a.netmask;
    n.default_ipv6["scope"] = a.scope;
    n.default_ipv6["macaddress"] = link.macaddress.value_or("unknown");
    n.default_ipv6["mtu"] = dev.value("mtu", Json(nullptr));
    n.default_ipv6["type"] = dev.value("type", "unknown");
  }
  if (a.address != "::1") n.all_ipv6.push_back(a.address);
}

// `ip route get`: the route's device and gateway, and the address the
// kernel would send from (the device's first primary address of the family
// with global scope, else its first).
Json DefaultInterface(const std::optional<DefaultRoute>& route, const FactSources& s,
                      const std::string& family) {
  Json out = Json::object();
  if (!route) return out;
  out["interface"] = route->interface;
  const InterfaceAddress* source = nullptr;
  for (const auto& a : s.addresses) {
    if (a.name != route->interface || a.family != family || a.secondary) continue;
    if (!source || (source->scope != "global" && a.scope == "global")) source = &a;
  }
  if (source) out["address"] = source->address;
  if (!route->gateway.empty()) out["gateway"] = route->gateway;
  return out;
}

}  // namespace

void AddNetworkFacts(const FactSources& s, Json& f) {
  bool ip = false;
  for (const char* path : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) ip = ip || s.files.Exists(path);
  if (!ip) return;
  NetworkState n;
  n.default_ipv4 = DefaultInterface(ParseDefaultRoute(s.files.Read("/proc/net/route").value_or("")), s, "ipv4");
  n.default_ipv6 = DefaultInterface(ParseDefaultRoute6(s.files.Read("/proc/net/ipv6_route").value_or("")), s, "ipv6");
  for (const auto& device : s.files.List("/sys/class/net")) {
    LinkInfo link = ReadLink(s.files, device);
    n.Interface(device) = link.facts;
    for (bool secondary : {false, true}) {
      for (const char* family : {"ipv4", "ipv6"}) {
        for (const auto& a : s.addresses) {
          if (a.name != device || a.family != family || a.secondary != secondary) continue;
          if (a.family == "ipv4") {
            AddIpv4(n, device, link, a, secondary);
          } else {
            AddIpv6(n, device, link, a);
          }
        }
      }
    }
  }
  Json names = Json::array();
  for (const auto& name : n.order) {
    std::string key = name;
    std::replace(key.begin(), key.end(), ':', '_');
    names.push_back(key);
    f["ansible_" + key] = n.interfaces[name];
  }
  f["ansible_interfaces"] = names;
  f["ansible_default_ipv4"] = n.default_ipv4;
  f["ansible_default_ipv6"] = n.default_ipv6;
  f["ansible_all_ipv4_addresses"] = n.all_ipv4;
  f["ansible_all_ipv6_addresses"] = n.all_ipv6;
}

void AddFibreChannelFacts(const FactSources& s, Json& f) {
  Json wwns = Json::array();
  for (const auto& host : s.files.List("/sys/class/fc_host")) {
    for (const auto& line : Lines(s.files.Read("/sys/class/fc_host/" + host + "/port_name").value_or(""))) {
      std::string value(TrimRight(line));
      wwns.push_back(value.size() > 2 ? value.substr(2) : "");
    }
  }
  f["ansible_fibre_channel_wwn"] = wwns;
}

void AddIscsiFacts(const FactSources& s, Json& f) {
  f["ansible_iscsi_iqn"] = "";
  for (const auto& line : Lines(s.files.Read("/etc/iscsi/initiatorname.iscsi").value_or(""))) {
    if (line.starts_with("InitiatorName=")) {
      f["ansible_iscsi_iqn"] = std::string(Trim(line.substr(14)));
      break;
    }
  }
}

void AddNvmeFacts(const FactSources& s, Json& f) {
  f["ansible_hostnqn"] = "";
  for (const auto& line : Lines(s.files.Read("/etc/nvme/hostnqn").value_or(""))) {
    if (line.starts_with("nqn.")) {
      f["ansible_hostnqn"] = line;
      break;
    }
  }
}

}  // namespace tend::facts
