#include "modules/system/facts.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fmt/format.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/strings.h"
#include "modules/host/host.h"
#include "modules/framework/text.h"
#include "core/mount_table.h"

extern char** environ;

namespace tend {
namespace {

std::string ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> ListDir(const std::string& path) {
  std::vector<std::string> names;
  if (DIR* dir = ::opendir(path.c_str())) {
    while (dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}


std::vector<std::string> Lines(std::string_view content) {
  std::vector<std::string> out;
  for (const auto& line : SplitLines(content)) out.push_back(line.get<std::string>());
  return out;
}

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

struct Distribution {
  std::string name;
  std::string family;
};

Distribution DistributionFor(const std::string& id, const std::string& name) {
  static const std::map<std::string, Distribution> known{
      {"debian", {"Debian", "Debian"}},
      {"ubuntu", {"Ubuntu", "Debian"}},
      {"linuxmint", {"Linux Mint", "Debian"}},
      {"raspbian", {"Debian", "Debian"}},
      {"centos", {"CentOS", "RedHat"}},
      {"rhel", {"RedHat", "RedHat"}},
      {"fedora", {"Fedora", "RedHat"}},
      {"rocky", {"Rocky", "RedHat"}},
      {"almalinux", {"AlmaLinux", "RedHat"}},
      {"amzn", {"Amazon", "RedHat"}},
      {"ol", {"OracleLinux", "RedHat"}},
      {"opensuse-leap", {"openSUSE Leap", "Suse"}},
      {"sles", {"SLES", "Suse"}},
      {"arch", {"Archlinux", "Archlinux"}},
      {"alpine", {"Alpine", "Alpine"}},
  };
  auto it = known.find(id);
  if (it != known.end()) return it->second;
  return {name.empty() ? "NA" : name, name.empty() ? "NA" : name};
}

void AddDistributionFacts(const FactSources& s, Json& f) {
  auto os = ParseOsRelease(s.os_release);
  Distribution d = DistributionFor(os["ID"], os["NAME"]);
  std::string version = os.contains("VERSION_ID") ? os["VERSION_ID"] : "NA";
  // Debian's point release lives in /etc/debian_version ("12.5").
  std::string debian(Trim(s.debian_version));
  if (d.name == "Debian" && !debian.empty() &&
      std::isdigit(static_cast<unsigned char>(debian[0]))) {
    version = debian;
  }
  f["ansible_distribution"] = d.name;
  f["ansible_os_family"] = d.family;
  f["ansible_distribution_version"] = version;
  f["ansible_distribution_major_version"] = version.substr(0, version.find('.'));
  f["ansible_distribution_release"] =
      os.contains("VERSION_CODENAME") ? os["VERSION_CODENAME"] : "NA";
  std::string pkg_mgr = "unknown";
  static const std::vector<std::pair<std::string, std::string>> kManagers{
      {"apt-get", "apt"},   {"dnf", "dnf"},       {"yum", "yum"},
      {"zypper", "zypper"}, {"pacman", "pacman"}, {"apk", "apk"}};
  for (const auto& [binary, name] : kManagers) {
    auto& found = s.package_managers;
    if (std::find(found.begin(), found.end(), binary) != found.end()) {
      pkg_mgr = name;
      break;
    }
  }
  f["ansible_pkg_mgr"] = pkg_mgr;
}

void AddPlatformFacts(const FactSources& s, Json& f) {
  std::string hostname = s.nodename.substr(0, s.nodename.find('.'));
  // socket.getfqdn(): the first name containing a dot among the /etc/hosts
  // entry naming this host (no DNS: the agent is static and must not use NSS).
  std::string fqdn = s.nodename;
  for (const auto& line : Lines(s.hosts)) {
    auto words = Words(line.substr(0, line.find('#')));
    if (words.size() < 2) continue;
    std::vector<std::string> names(words.begin() + 1, words.end());
    if (std::find(names.begin(), names.end(), s.nodename) == names.end() &&
        std::find(names.begin(), names.end(), hostname) == names.end()) {
      continue;
    }
    auto dotted = std::find_if(names.begin(), names.end(),
                               [](const auto& n) { return n.find('.') != std::string::npos; });
    fqdn = dotted != names.end() ? *dotted : names.front();
    break;
  }
  f["ansible_system"] = s.system;
  f["ansible_kernel"] = s.kernel;
  f["ansible_kernel_version"] = s.kernel_version;
  f["ansible_machine"] = s.machine;
  f["ansible_architecture"] = s.machine;
  f["ansible_nodename"] = s.nodename;
  f["ansible_hostname"] = hostname;
  f["ansible_fqdn"] = fqdn;
  size_t dot = fqdn.find('.');
  f["ansible_domain"] = dot == std::string::npos ? "" : fqdn.substr(dot + 1);
  f["ansible_machine_id"] = std::string(Trim(s.machine_id));
  std::string init(Trim(s.init_comm));
  f["ansible_service_mgr"] = (init == "systemd" || s.systemd_running) ? "systemd"
                             : init == "init"                         ? "sysvinit"
                             : init.empty()                           ? "service"
                                                                      : init;
}

void AddUserFacts(const FactSources& s, Json& f) {
  f["ansible_user_uid"] = s.uid;
  f["ansible_user_gid"] = s.gid;
  f["ansible_user_id"] = std::to_string(s.uid);
  for (const auto& user : ParsePasswd(s.passwd)) {
    if (user.uid != s.uid) continue;
    f["ansible_user_id"] = user.name;
    f["ansible_user_dir"] = user.home;
    f["ansible_user_shell"] = user.shell;
    f["ansible_user_gecos"] = user.gecos;
    break;
  }
  Json env = Json::object();
  for (const auto& [key, value] : s.env) env[key] = value;
  f["ansible_env"] = env;
}

void AddDateTimeFacts(const FactSources& s, Json& f) {
  time_t seconds = static_cast<time_t>(s.now_micros / 1000000);
  tm local{}, utc{};
  ::localtime_r(&seconds, &local);
  ::gmtime_r(&seconds, &utc);
  char buffer[64];
  auto fmt_time = [&](const char* format, const tm& t) {
    ::strftime(buffer, sizeof buffer, format, &t);
    return std::string(buffer);
  };
  f["ansible_date_time"] = Json{
      {"year", fmt_time("%Y", local)},       {"month", fmt_time("%m", local)},
      {"weekday", fmt_time("%A", local)},    {"weekday_number", fmt_time("%w", local)},
      {"day", fmt_time("%d", local)},        {"hour", fmt_time("%H", local)},
      {"minute", fmt_time("%M", local)},     {"second", fmt_time("%S", local)},
      {"epoch", std::to_string(seconds)},    {"date", fmt_time("%Y-%m-%d", local)},
      {"time", fmt_time("%H:%M:%S", local)}, {"iso8601", fmt_time("%Y-%m-%dT%H:%M:%SZ", utc)},
      {"tz", fmt_time("%Z", local)},         {"tz_offset", fmt_time("%z", local)},
  };
  auto up = Words(s.uptime);
  f["ansible_uptime_seconds"] = up.empty() ? 0 : static_cast<int64_t>(std::atof(up[0].c_str()));
}

void AddHardwareFacts(const FactSources& s, Json& f) {
  auto mem = ParseMeminfo(s.meminfo);
  f["ansible_memtotal_mb"] = mem["MemTotal"] / 1024;
  f["ansible_memfree_mb"] = mem["MemFree"] / 1024;
  f["ansible_swaptotal_mb"] = mem["SwapTotal"] / 1024;
  f["ansible_swapfree_mb"] = mem["SwapFree"] / 1024;
  Json processors = Json::array();
  std::set<std::string> physical_ids;
  int vcpus = 0, cores = 0, siblings = 0;
  std::string vendor;
  for (const auto& line : Lines(s.cpuinfo)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key(Trim(line.substr(0, colon)));
    std::string value(Trim(line.substr(colon + 1)));
    if (key == "processor") {
      processors.push_back(value);
      ++vcpus;
    } else if (key == "vendor_id") {
      processors.push_back(value);
    } else if (key == "model name") {
      processors.push_back(value);
    } else if (key == "physical id") {
      physical_ids.insert(value);
    } else if (key == "cpu cores") {
      cores = std::atoi(value.c_str());
    } else if (key == "siblings") {
      siblings = std::atoi(value.c_str());
    }
  }
  int sockets = physical_ids.empty() ? 1 : static_cast<int>(physical_ids.size());
  if (cores == 0) cores = 1;
  f["ansible_processor"] = processors;
  f["ansible_processor_vcpus"] = vcpus;
  f["ansible_processor_nproc"] = vcpus;
  f["ansible_processor_count"] = sockets;
  f["ansible_processor_cores"] = cores;
  f["ansible_processor_threads_per_core"] = siblings > 0 ? std::max(1, siblings / cores) : 1;
  Json mounts = Json::array();
  for (const auto& m : ParseMounts(s.mounts)) {
    Json entry{{"mount", m.mount},
               {"device", m.device},
               {"fstype", m.fstype},
               {"options", m.options},
               {"uuid", "N/A"}};
    if (auto it = s.mount_sizes.find(m.mount); it != s.mount_sizes.end()) {
      for (const auto& [key, value] : it->second.items()) entry[key] = value;
    }
    mounts.push_back(entry);
  }
  f["ansible_mounts"] = mounts;
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

// Ansible names interface facts ansible_<name> with '-' and ':' as '_'.
std::string FactNameForInterface(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  std::replace(name.begin(), name.end(), ':', '_');
  std::replace(name.begin(), name.end(), '.', '_');
  return "ansible_" + name;
}

void AddNetworkFacts(const FactSources& s, Json& f) {
  std::map<std::string, Json> interfaces;
  Json all_v4 = Json::array(), all_v6 = Json::array();
  for (const auto& name : [&] {
         std::set<std::string> names;
         for (const auto& a : s.addresses) names.insert(a.name);
         for (const auto& [n, mac] : s.mac_addresses) names.insert(n);
         return names;
       }()) {
    Json iface{{"device", name}, {"active", true}, {"type", name == "lo" ? "loopback" : "ether"}};
    if (auto it = s.mac_addresses.find(name); it != s.mac_addresses.end()) {
      iface["macaddress"] = it->second;
    }
    if (auto it = s.mtus.find(name); it != s.mtus.end()) iface["mtu"] = it->second;
    interfaces[name] = iface;
  }
  for (const auto& a : s.addresses) {
    Json& iface = interfaces[a.name];
    if (a.family == "ipv4") {
      uint32_t network = ParseIpv4(a.address) & ParseIpv4(a.netmask);
      if (!iface.contains("ipv4")) {
        iface["ipv4"] =
            Json{{"address", a.address}, {"netmask", a.netmask}, {"network", FormatIpv4(network)}};
      }
      if (!a.address.starts_with("127.")) all_v4.push_back(a.address);
    } else {
      iface["ipv6"].push_back(Json{{"address", a.address}, {"prefix", a.netmask}});
      if (a.address != "::1") all_v6.push_back(a.address);
    }
  }
  Json names = Json::array();
  for (const auto& [name, iface] : interfaces) {
    names.push_back(name);
    f[FactNameForInterface(name)] = iface;
  }
  f["ansible_interfaces"] = names;
  f["ansible_all_ipv4_addresses"] = all_v4;
  f["ansible_all_ipv6_addresses"] = all_v6;
  Json default_v4 = Json::object();
  if (auto route = ParseDefaultRoute(s.route)) {
    default_v4["interface"] = route->interface;
    default_v4["gateway"] = route->gateway;
    default_v4["alias"] = route->interface;
    if (auto it = interfaces.find(route->interface); it != interfaces.end()) {
      const Json& iface = it->second;
      if (iface.contains("ipv4")) {
        for (const auto& [key, value] : iface["ipv4"].items()) default_v4[key] = value;
      }
      for (const char* key : {"macaddress", "mtu", "type"}) {
        if (iface.contains(key)) default_v4[key] = iface[key];
      }
    }
  }
  f["ansible_default_ipv4"] = default_v4;
}

std::string PrefixToNetmask(const sockaddr* mask) {
  char buffer[INET6_ADDRSTRLEN] = "";
  if (mask && mask->sa_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(mask)->sin_addr, buffer,
                sizeof buffer);
    return buffer;
  }
  if (mask && mask->sa_family == AF_INET6) {
    const auto* bytes = reinterpret_cast<const sockaddr_in6*>(mask)->sin6_addr.s6_addr;
    int bits = 0;
    for (int i = 0; i < 16; ++i) bits += __builtin_popcount(bytes[i]);
    return std::to_string(bits);
  }
  return "";
}

}  // namespace

std::map<std::string, std::string> ParseOsRelease(std::string_view content) {
  std::map<std::string, std::string> out;
  for (const auto& line : Lines(content)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos || line.starts_with('#')) continue;
    std::string value(Trim(line.substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[std::string(Trim(line.substr(0, eq)))] = value;
  }
  return out;
}

std::map<std::string, int64_t> ParseMeminfo(std::string_view content) {
  std::map<std::string, int64_t> out;
  for (const auto& line : Lines(content)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    out[line.substr(0, colon)] = std::atoll(line.c_str() + colon + 1);
  }
  return out;
}

std::vector<Mount> ParseMounts(std::string_view content) {
  std::vector<Mount> out;
  for (auto& m : ParseProcMounts(content)) {
    bool device_path = m.source.starts_with('/') || m.source.starts_with('\\') ||
                       m.source.find(":/") != std::string::npos;
    if (!device_path || m.fs_type == "none") continue;
    out.push_back(Mount{std::move(m.source), std::move(m.mount_point), std::move(m.fs_type), std::move(m.options)});
  }
  return out;
}

std::optional<DefaultRoute> ParseDefaultRoute(std::string_view content) {
  std::optional<DefaultRoute> best;
  long best_metric = 0;
  auto lines = Lines(content);
  for (size_t i = 1; i < lines.size(); ++i) {
    auto w = Words(lines[i]);
    if (w.size() < 7 || w[1] != "00000000") continue;
    // Gateway is hex in the kernel's (little-endian on x86/arm) byte order.
    uint32_t raw = static_cast<uint32_t>(std::stoul(w[2], nullptr, 16));
    in_addr addr{raw};
    char buffer[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &addr, buffer, sizeof buffer);
    long metric = std::atol(w[6].c_str());
    if (!best || metric < best_metric) {
      best = DefaultRoute{w[0], buffer};
      best_metric = metric;
    }
  }
  return best;
}

FactSources ReadFactSources(const std::string& root) {
  std::string r = root == "/" ? "" : root;
  FactSources s;
  s.os_release = ReadSmallFile(r + "/etc/os-release");
  if (s.os_release.empty()) s.os_release = ReadSmallFile(r + "/usr/lib/os-release");
  s.debian_version = ReadSmallFile(r + "/etc/debian_version");
  s.meminfo = ReadSmallFile(r + "/proc/meminfo");
  s.cpuinfo = ReadSmallFile(r + "/proc/cpuinfo");
  s.mounts = ReadSmallFile(r + "/proc/mounts");
  s.route = ReadSmallFile(r + "/proc/net/route");
  s.hosts = ReadSmallFile(r + "/etc/hosts");
  s.passwd = ReadSmallFile(r + "/etc/passwd");
  s.machine_id = ReadSmallFile(r + "/etc/machine-id");
  s.uptime = ReadSmallFile(r + "/proc/uptime");
  s.init_comm = ReadSmallFile(r + "/proc/1/comm");
  s.systemd_running = Exists(r + "/run/systemd/system");
  for (const char* binary : {"apt-get", "dnf", "yum", "zypper", "pacman", "apk"}) {
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
      if (Exists(r + dir + binary)) {
        s.package_managers.push_back(binary);
        break;
      }
    }
  }
  std::string net = r + "/sys/class/net";
  {
    for (const auto& name : ListDir(net)) {
      std::string mac(Trim(ReadSmallFile(net + "/" + name + "/address")));
      if (!mac.empty()) s.mac_addresses[name] = mac;
      std::string mtu(Trim(ReadSmallFile(net + "/" + name + "/mtu")));
      if (!mtu.empty()) s.mtus[name] = std::atoi(mtu.c_str());
    }
  }
  return s;
}

void ReadLiveFactSources(FactSources& s) {
  utsname u{};
  if (::uname(&u) == 0) {
    s.system = u.sysname;
    s.nodename = u.nodename;
    s.kernel = u.release;
    s.kernel_version = u.version;
    s.machine = u.machine;
  }
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (ifaddrs* a = list; a; a = a->ifa_next) {
      if (!a->ifa_addr) continue;
      int family = a->ifa_addr->sa_family;
      if (family != AF_INET && family != AF_INET6) continue;
      char buffer[INET6_ADDRSTRLEN] = "";
      const void* addr =
          family == AF_INET
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr)
              : &reinterpret_cast<sockaddr_in6*>(a->ifa_addr)->sin6_addr;
      ::inet_ntop(family, addr, buffer, sizeof buffer);
      s.addresses.push_back(InterfaceAddress{a->ifa_name, family == AF_INET ? "ipv4" : "ipv6",
                                             buffer, PrefixToNetmask(a->ifa_netmask)});
    }
    ::freeifaddrs(list);
  }
  static const std::set<std::string> kNetworkFs{"nfs", "nfs4", "cifs", "smbfs", "fuse.sshfs"};
  for (const auto& m : ParseMounts(s.mounts)) {
    struct statvfs v {};
    // Network filesystems can hang statvfs for minutes; they report no sizes.
    if (kNetworkFs.contains(m.fstype) || ::statvfs(m.mount.c_str(), &v) != 0) continue;
    s.mount_sizes[m.mount] = Json{
        {"size_total", static_cast<uint64_t>(v.f_frsize) * v.f_blocks},
        {"size_available", static_cast<uint64_t>(v.f_frsize) * v.f_bavail},
        {"block_size", v.f_bsize},
        {"block_total", v.f_blocks},
        {"block_available", v.f_bavail},
        {"block_used", v.f_blocks - v.f_bfree},
        {"inode_total", v.f_files},
        {"inode_available", v.f_favail},
        {"inode_used", v.f_files - v.f_ffree},
    };
  }
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string_view::npos)
      s.env[std::string(entry.substr(0, eq))] = entry.substr(eq + 1);
  }
  s.uid = ::geteuid();
  s.gid = ::getegid();
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  s.now_micros = static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

Json ShapeFacts(const FactSources& sources) {
  Json f = Json::object();
  AddDistributionFacts(sources, f);
  AddPlatformFacts(sources, f);
  AddUserFacts(sources, f);
  AddDateTimeFacts(sources, f);
  AddHardwareFacts(sources, f);
  AddNetworkFacts(sources, f);
  return f;
}

const std::vector<std::string>& FactNames() {
  static const std::vector<std::string> names{
      "ansible_distribution",
      "ansible_os_family",
      "ansible_distribution_version",
      "ansible_distribution_major_version",
      "ansible_distribution_release",
      "ansible_pkg_mgr",
      "ansible_system",
      "ansible_kernel",
      "ansible_kernel_version",
      "ansible_machine",
      "ansible_architecture",
      "ansible_nodename",
      "ansible_hostname",
      "ansible_fqdn",
      "ansible_domain",
      "ansible_machine_id",
      "ansible_service_mgr",
      "ansible_user_uid",
      "ansible_user_gid",
      "ansible_user_id",
      "ansible_env",
      "ansible_date_time",
      "ansible_uptime_seconds",
      "ansible_memtotal_mb",
      "ansible_memfree_mb",
      "ansible_swaptotal_mb",
      "ansible_swapfree_mb",
      "ansible_processor",
      "ansible_processor_vcpus",
      "ansible_processor_nproc",
      "ansible_processor_count",
      "ansible_processor_cores",
      "ansible_processor_threads_per_core",
      "ansible_mounts",
      "ansible_interfaces",
      "ansible_all_ipv4_addresses",
      "ansible_all_ipv6_addresses",
      "ansible_default_ipv4",
  };
  return names;
}

}  // namespace tend
