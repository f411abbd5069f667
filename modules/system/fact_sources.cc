// Collecting the facts' raw material: the files under a root directory
// (a FileSnapshot) and the few things only syscalls give.

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/magic.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/strings.h"
#include "modules/system/fact_shaping.h"

extern char** environ;

namespace tend {
namespace {

// Reads what the collectors look at under `root` into a snapshot keyed by
// the paths as they are on the target.
class SnapshotReader {
 public:
  SnapshotReader(const std::string& root, FileSnapshot& out)
      : root_(root == "/" ? "" : root), out_(out) {}

  void File(const std::string& path) {
    std::ifstream in(root_ + path, std::ios::binary);
    if (!in) return;
    std::ostringstream text;
    text << in.rdbuf();
    out_.contents[path] = text.str();
    out_.exists.insert(path);
  }
  // The dpkg database is megabytes; the python collector reads only the
  // stanzas of the interpreter packages, so only those are kept.
  void PythonPackages(const std::string& path) {
    File(path);
    auto it = out_.contents.find(path);
    if (it == out_.contents.end()) return;
    std::string kept;
    const std::string& text = it->second;
    for (size_t at = text.find("Package: python"); at != std::string::npos;
         at = text.find("Package: python", at + 1)) {
      if (at != 0 && text[at - 1] != '\n') continue;
      size_t end = text.find("\n\n", at);
      std::string stanza = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
      if (stanza.substr(0, stanza.find('\n')).ends_with("-minimal")) kept += stanza + "\n\n";
    }
    it->second = kept;
  }
  bool Exists(const std::string& path) {
    struct stat st;
    if (::lstat((root_ + path).c_str(), &st) != 0 && ::stat((root_ + path).c_str(), &st) != 0) return false;
    // A trailing slash asks for a directory, as os.path.exists("dir/") does.
    if (path.ends_with('/') && ::stat((root_ + path).c_str(), &st) != 0) return false;
    out_.exists.insert(path);
    return true;
  }
  std::optional<std::string> Link(const std::string& path) {
    char buffer[4096];
    ssize_t n = ::readlink((root_ + path).c_str(), buffer, sizeof buffer);
    if (n <= 0) return std::nullopt;
    out_.exists.insert(path);
    return out_.links[path] = std::string(buffer, static_cast<size_t>(n));
  }
  // In readdir order: the order Python's os.listdir and glob see.
  const std::vector<std::string>& List(const std::string& path) {
    auto& names = out_.dirs[path];
    if (DIR* dir = ::opendir((root_ + path).c_str())) {
      out_.exists.insert(path);
      while (dirent* entry = ::readdir(dir)) {
        std::string name = entry->d_name;
        if (name != "." && name != "..") names.push_back(name);
      }
      ::closedir(dir);
    }
    return names;
  }

 private:
  std::string root_;
  FileSnapshot& out_;
};

const char* const kFiles[] = {
    "/etc/os-release", "/usr/lib/os-release", "/etc/debian_version", "/etc/lsb-release",
    "/proc/meminfo", "/proc/cpuinfo", "/proc/mounts", "/etc/mtab", "/proc/self/mountinfo",
    "/proc/net/route", "/proc/net/ipv6_route", "/etc/hosts", "/etc/passwd", "/etc/machine-id",
    "/var/lib/dbus/machine-id", "/proc/uptime", "/proc/1/comm", "/proc/cmdline",
    "/etc/resolv.conf", "/proc/sys/crypto/fips_enabled", "/proc/self/status",
    "/proc/sys/kernel/cap_last_cap", "/sys/fs/selinux/enforce", "/sys/fs/selinux/policyvers",
    "/etc/selinux/config", "/proc/1/cgroup", "/proc/1/environ", "/run/systemd/container",
    "/proc/xen/capabilities", "/sys/hypervisor/type", "/proc/modules",
    "/etc/iscsi/initiatorname.iscsi", "/etc/nvme/hostnqn"};

const char* const kPaths[] = {
    "/usr/bin/rpm-ostree", "/usr/bin/yum", "/usr/bin/dnf", "/usr/bin/apt-get", "/usr/bin/zypper",
    "/usr/sbin/urpmi", "/usr/bin/pacman", "/bin/opkg", "/sbin/apk", "/usr/bin/emerge",
    "/usr/bin/xbps-install", "/usr/bin/swupd", "/run/systemd/system/", "/dev/.run/systemd/",
    "/dev/.systemd/", "/etc/init/", "/sbin/openrc", "/etc/init.d/",
    "/sys/kernel/security/apparmor", "/proc/vz", "/proc/lve", "/proc/bc", "/.dockerenv",
    "/.dockerinit", "/proc/xen", "/dev/kvm", "/usr/sbin/dmidecode", "/sbin/dmidecode",
    "/usr/bin/findmnt", "/bin/findmnt", "/usr/bin/lsblk", "/bin/udevadm", "/usr/bin/udevadm",
    "/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip", "/sys/devices/virtual/dmi/id/product_name"};

// Tools Ansible looks up with get_bin_path.
const char* const kBinaries[] = {"lsb_release", "capsh", "systemctl", "initctl", "vgs"};

void ReadPython(SnapshotReader& r) {
  bool any = false;
  for (const char* candidate : {"/usr/bin/python3", "/usr/libexec/platform-python", "/usr/bin/python"}) {
    std::string path = candidate;
    for (int hops = 0; hops < 8 && r.Exists(path); ++hops) {
      any = true;
      auto target = r.Link(path);
      if (!target) break;
      path = target->starts_with('/') ? *target : path.substr(0, path.rfind('/') + 1) + *target;
    }
  }
  if (any) r.PythonPackages("/var/lib/dpkg/status");
}

void ReadInterfaces(SnapshotReader& r) {
  for (const auto& device : r.List("/sys/class/net")) {
    std::string dir = "/sys/class/net/" + device;
    for (const char* file : {"address", "mtu", "operstate", "type", "speed", "flags",
                             "bridge/bridge_id", "bridge/stp_state", "bonding/slaves",
                             "bonding/mode", "bonding/miimon", "bonding/lacp_rate",
                             "bonding/primary", "bonding/all_slaves_active",
                             "bonding_slave/perm_hwaddr"}) {
      r.File(dir + "/" + file);
    }
    for (const char* path : {"bridge", "bonding", "bonding_slave"}) r.Exists(dir + "/" + path);
    r.Link(dir + "/device");
    r.Link(dir + "/device/driver/module");
    r.List(dir + "/brif");
  }
}

void ReadBlockDevice(SnapshotReader& r, const std::string& dir, bool partition) {
  for (const char* file : {"start", "size", "removable", "device/vendor", "device/model",
                           "device/sas_address", "device/sas_device_handle", "device/serial",
                           "queue/discard_granularity", "queue/rotational", "queue/scheduler",
                           "queue/logical_block_size", "queue/hw_sector_size"}) {
    if (!partition || std::string_view(file) == "start" || std::string_view(file) == "size" ||
        std::string_view(file).starts_with("queue/")) {
      r.File(dir + "/" + file);
    }
  }
  for (const auto& holder : r.List(dir + "/holders")) r.File(dir + "/holders/" + holder + "/dm/name");
}

void ReadBlockDevices(SnapshotReader& r) {
  for (const char* kind : {"by-id", "by-uuid", "by-label"}) {
    std::string dir = std::string("/dev/disk/") + kind;
    for (const auto& entry : r.List(dir)) r.Link(dir + "/" + entry);
  }
  for (const auto& block : r.List("/sys/block")) {
    std::string dir = "/sys/block/" + block;
    r.Link(dir);
    r.List(dir + "/slaves");
    ReadBlockDevice(r, dir, false);
    for (const auto& entry : r.List(dir)) {
      if (entry.starts_with(block)) ReadBlockDevice(r, dir + "/" + entry, true);
    }
  }
}

const char* ScopeName(unsigned scope) {
  switch (scope) {
    case RT_SCOPE_UNIVERSE: return "global";
    case RT_SCOPE_SITE: return "site";
    case RT_SCOPE_LINK: return "link";
    case RT_SCOPE_HOST: return "host";
    case RT_SCOPE_NOWHERE: return "nowhere";
    default: return "unknown";
  }
}

std::string FormatAddress(int family, const void* data) {
  char buffer[INET6_ADDRSTRLEN] = "";
  ::inet_ntop(family, data, buffer, sizeof buffer);
  return buffer;
}

// One RTM_NEWADDR message as `ip addr` prints it.
std::optional<InterfaceAddress> ParseAddressMessage(const nlmsghdr* h) {
  const auto* ifa = static_cast<const ifaddrmsg*>(NLMSG_DATA(h));
  if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return std::nullopt;
  InterfaceAddress a;
  a.family = ifa->ifa_family == AF_INET ? "ipv4" : "ipv6";
  a.netmask = std::to_string(ifa->ifa_prefixlen);
  a.scope = ScopeName(ifa->ifa_scope);
  uint32_t flags = ifa->ifa_flags;
  char name[IF_NAMESIZE] = "";
  if (::if_indextoname(ifa->ifa_index, name)) a.name = name;
  std::string local, address;
  int length = static_cast<int>(IFA_PAYLOAD(h));
  for (const rtattr* at = IFA_RTA(ifa); RTA_OK(at, length); at = RTA_NEXT(at, length)) {
    switch (at->rta_type) {
      case IFA_LOCAL: local = FormatAddress(ifa->ifa_family, RTA_DATA(at)); break;
      case IFA_ADDRESS: address = FormatAddress(ifa->ifa_family, RTA_DATA(at)); break;
      case IFA_BROADCAST: a.broadcast = FormatAddress(ifa->ifa_family, RTA_DATA(at)); break;
      case IFA_LABEL: a.label = static_cast<const char*>(RTA_DATA(at)); break;
      case IFA_FLAGS: flags = *static_cast<const uint32_t*>(RTA_DATA(at)); break;
    }
  }
  a.address = local.empty() ? address : local;
  a.peer = !local.empty() && !address.empty() && local != address;
  a.secondary = (flags & IFA_F_SECONDARY) != 0;
  return a;
}

// RTM_GETADDR over netlink: every address with its label, scope, broadcast
// and secondary flag, in the kernel's order (what `ip addr show` lists).
std::vector<InterfaceAddress> DumpAddresses() {
  std::vector<InterfaceAddress> out;
  int fd = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return out;
  for (int family : {AF_INET, AF_INET6}) {
    struct {
      nlmsghdr header;
      ifaddrmsg message;
    } request{};
    request.header.nlmsg_len = sizeof request;
    request.header.nlmsg_type = RTM_GETADDR;
    request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    request.header.nlmsg_seq = static_cast<uint32_t>(family);
    request.message.ifa_family = static_cast<unsigned char>(family);
    if (::send(fd, &request, sizeof request, 0) < 0) break;
    bool done = false;
    std::vector<char> buffer(65536);
    while (!done) {
      ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
      if (n <= 0) break;
      int length = static_cast<int>(n);
      for (auto* h = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(h, length); h = NLMSG_NEXT(h, length)) {
        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
          done = true;
          break;
        }
        if (h->nlmsg_type != RTM_NEWADDR) continue;
        if (auto a = ParseAddressMessage(h)) out.push_back(*a);
      }
    }
  }
  ::close(fd);
  return out;
}

Json MountSize(const std::string& point) {
  struct statvfs v {};
  if (::statvfs(point.c_str(), &v) != 0) return Json::object();
  return Json{{"size_total", static_cast<uint64_t>(v.f_frsize) * v.f_blocks},
              {"size_available", static_cast<uint64_t>(v.f_frsize) * v.f_bavail},
              {"block_size", v.f_bsize},
              {"block_total", v.f_blocks},
              {"block_available", v.f_bavail},
              {"block_used", v.f_blocks - v.f_bavail},
              {"inode_total", v.f_files},
              {"inode_available", v.f_favail},
              {"inode_used", v.f_files - v.f_favail}};
}

// statvfs of every mount. A network filesystem can hang it for minutes, so
// each of those runs in its own thread and gets at most `timeout` seconds
// (Ansible's gather_timeout per mount); local ones answer at once.
void ReadMountSizes(FactSources& s, int timeout) {
  static const std::set<std::string> kNetworkFs{"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs",
                                                "glusterfs", "ceph", "9p", "afs"};
  struct Shared {
    std::mutex mutex;
    std::condition_variable done;
    std::map<std::string, Json> sizes;
  };
  auto shared = std::make_shared<Shared>();
  auto mtab = s.files.Read("/etc/mtab");
  std::set<std::string> remote;
  for (const auto& m : ParseMounts(mtab ? *mtab : s.files.Read("/proc/mounts").value_or(""))) {
    if (!kNetworkFs.contains(m.fstype)) {
      if (Json size = MountSize(m.mount); !size.empty()) s.mount_sizes[m.mount] = size;
    } else if (remote.insert(m.mount).second) {
      std::thread([shared, point = m.mount] {
        Json size = MountSize(point);
        std::lock_guard lock(shared->mutex);
        shared->sizes[point] = size;
        shared->done.notify_all();
      }).detach();
    }
  }
  if (remote.empty()) return;
  std::unique_lock lock(shared->mutex);
  shared->done.wait_for(lock, std::chrono::seconds(timeout), [&] { return shared->sizes.size() == remote.size(); });
  for (const auto& point : remote) {
    if (!shared->sizes.contains(point)) {
      s.mount_timeouts.insert(point);
    } else if (!shared->sizes[point].empty()) {
      s.mount_sizes[point] = shared->sizes[point];
    }
  }
}

// chroot.is_chroot(): "/" differs from init's root; when /proc/1/root is
// not ours to see, the root inode of the filesystem type decides.
bool IsChroot() {
  struct stat mine {}, init {};
  if (::stat("/", &mine) != 0) return false;
  if (::stat("/proc/1/root/.", &init) == 0) return mine.st_ino != init.st_ino || mine.st_dev != init.st_dev;
  struct statfs fs {};
  ino_t root_inode = 2;
  if (::statfs("/", &fs) == 0) {
    if (fs.f_type == BTRFS_SUPER_MAGIC) root_inode = 256;
    if (fs.f_type == XFS_SUPER_MAGIC) root_inode = 128;
  }
  return mine.st_ino != root_inode;
}

std::string RunReport(const std::string& command) {
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
    ::pclose(pipe);
  }
  return out;
}

// Ansible runs vgs, lvs and pvs as root when LVM is installed.
void ReadLvm(FactSources& s) {
  if (::getuid() != 0) return;
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/", "/bin/"}) {
    std::string vgs = std::string(dir) + "vgs";
    if (::access(vgs.c_str(), X_OK) != 0) continue;
    for (const char* tool : {"vgs", "lvs", "pvs"}) {
      s.lvm_reports[tool] = RunReport(std::string(dir) + tool +
                                      " --noheadings --nosuffix --units g --separator , 2>/dev/null");
    }
    return;
  }
}

}  // namespace

FactSources ReadFactSources(const std::string& root) {
  FactSources s;
  SnapshotReader r(root, s.files);
  for (const char* path : kFiles) r.File(path);
  for (const char* path : kPaths) r.Exists(path);
  for (const auto& path : facts::SelinuxLibraryPaths()) r.Exists(path);
  for (const char* binary : kBinaries) {
    for (const char* dir : {"/usr/local/sbin/", "/usr/local/bin/", "/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"}) {
      r.Exists(std::string(dir) + binary);
    }
  }
  r.Link("/sbin/init");
  for (const char* dir : {"/etc/ssh", "/etc/openssh", "/etc"}) {
    for (const char* algo : {"dsa", "rsa", "ecdsa", "ed25519"}) {
      r.File(std::string(dir) + "/ssh_host_" + algo + "_key.pub");
    }
  }
  for (const char* name : {"bios_date", "bios_vendor", "bios_version", "board_asset_tag", "board_name",
                           "board_serial", "board_vendor", "board_version", "chassis_asset_tag",
                           "chassis_serial", "chassis_vendor", "chassis_version", "chassis_type",
                           "product_name", "product_serial", "product_uuid", "product_version",
                           "sys_vendor", "product_family"}) {
    r.File(std::string("/sys/devices/virtual/dmi/id/") + name);
  }
  for (const auto& host : r.List("/sys/class/fc_host")) r.File("/sys/class/fc_host/" + host + "/port_name");
  ReadPython(r);
  ReadInterfaces(r);
  ReadBlockDevices(r);
  return s;
}

void ReadLiveFactSources(FactSources& s, int gather_timeout) {
  utsname u{};
  if (::uname(&u) == 0) {
    s.system = u.sysname;
    s.nodename = u.nodename;
    s.kernel = u.release;
    s.kernel_version = u.version;
    s.machine = u.machine;
  }
  s.addresses = DumpAddresses();
  ReadMountSizes(s, gather_timeout > 0 ? gather_timeout : 10);
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string_view::npos) s.env[std::string(entry.substr(0, eq))] = entry.substr(eq + 1);
  }
  s.uid = ::getuid();
  s.gid = ::getgid();
  s.euid = ::geteuid();
  s.egid = ::getegid();
  cpu_set_t cpus;
  if (::sched_getaffinity(0, sizeof cpus, &cpus) == 0) s.nproc = CPU_COUNT(&cpus);
  s.is_chroot = IsChroot();
  struct sysinfo info {};
  // glibc's getloadavg (Python's os.getloadavg) reads sysinfo's fixed-point loads.
  if (::sysinfo(&info) == 0) {
    s.loadavg = std::array<double, 3>{info.loads[0] / 65536.0, info.loads[1] / 65536.0, info.loads[2] / 65536.0};
  }
  ReadLvm(s);
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  s.now_micros = static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace tend
