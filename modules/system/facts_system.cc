// The system collectors of Ansible's setup module (platform, distribution,
// lsb, selinux, python, user, ...), shaped from a FactSources snapshot.

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <regex>

#include "core/strings.h"
#include "modules/host/host.h"
#include "modules/system/fact_shaping.h"

namespace tend::facts {
namespace {

// Directories Ansible's get_bin_path searches besides PATH.
bool HasBinary(const FileSnapshot& files, const std::string& name) {
  for (const char* dir : {"/usr/local/sbin/", "/usr/local/bin/", "/usr/sbin/", "/usr/bin/",
                          "/sbin/", "/bin/"}) {
    if (files.Exists(dir + name)) return true;
  }
  return false;
}

std::string OsRelease(const FileSnapshot& files) {
  auto text = files.Read("/etc/os-release");
  return text ? *text : files.Read("/usr/lib/os-release").value_or("");
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
      {"devuan", {"Devuan", "Debian"}},
      {"kali", {"Kali", "Debian"}},
      {"pop", {"Pop!_OS", "Debian"}},
      {"centos", {"CentOS", "RedHat"}},
      {"rhel", {"RedHat", "RedHat"}},
      {"fedora", {"Fedora", "RedHat"}},
      {"rocky", {"Rocky", "RedHat"}},
      {"almalinux", {"AlmaLinux", "RedHat"}},
      {"amzn", {"Amazon", "RedHat"}},
      {"ol", {"OracleLinux", "RedHat"}},
      {"opensuse-leap", {"openSUSE Leap", "Suse"}},
      {"opensuse-tumbleweed", {"openSUSE Tumbleweed", "Suse"}},
      {"sles", {"SLES", "Suse"}},
      {"arch", {"Archlinux", "Archlinux"}},
      {"alpine", {"Alpine", "Alpine"}},
      {"gentoo", {"Gentoo", "Gentoo"}},
  };
  if (auto it = known.find(id); it != known.end()) return it->second;
  return {name.empty() ? "NA" : name, name.empty() ? "NA" : name};
}

// distro.version(best=True) as Ansible's bundled distro 1.6 computes it:
// the candidate with the most dots among os-release's VERSION_ID, the
// version in PRETTY_NAME and lsb-release's DISTRIB_RELEASE.
std::string BestVersion(std::map<std::string, std::string>& os, const FileSnapshot& files) {
  std::vector<std::string> candidates{os["VERSION_ID"]};
  static const std::regex kPrettyVersion(R"(\s(\d[\d.]*\d|\d)(\s|$))");
  std::smatch m;
  if (std::regex_search(os["PRETTY_NAME"], m, kPrettyVersion)) candidates.push_back(m[1]);
  for (const auto& line : Lines(files.Read("/etc/lsb-release").value_or(""))) {
    if (line.starts_with("DISTRIB_RELEASE=")) candidates.push_back(line.substr(16));
  }
  std::string best;
  for (const auto& v : candidates) {
    if (best.empty() || std::count(v.begin(), v.end(), '.') > std::count(best.begin(), best.end(), '.')) {
      best = v;
    }
  }
  return best;
}

// The interpreter Ansible's discovery finds on these systems, described
// from its files: the versioned name the link resolves to, the patch level
// from the package database. Nothing is started.
std::optional<Json> DescribePython(const FileSnapshot& files) {
  for (const char* candidate : {"/usr/bin/python3", "/usr/libexec/platform-python", "/usr/bin/python"}) {
    std::string path = candidate, name;
    for (int hops = 0; hops < 8 && files.Exists(path); ++hops) {
      name = path.substr(path.rfind('/') + 1);
      auto target = files.Link(path);
      if (!target) break;
      path = target->starts_with('/') ? *target : path.substr(0, path.rfind('/') + 1) + *target;
    }
    static const std::regex kVersioned(R"(python(\d+)\.(\d+))");
    std::smatch m;
    if (!files.Exists(path) || !std::regex_match(name, m, kVersioned)) continue;
    int major = std::stoi(m[1]), minor = std::stoi(m[2]), micro = 0;
    std::string package = fmt::format("Package: python{}.{}-minimal\n", major, minor);
    std::string status = files.Read("/var/lib/dpkg/status").value_or("");
    if (size_t at = status.find(package); at != std::string::npos) {
      size_t version = status.find("\nVersion: ", at);
      size_t end = status.find("\n\n", at);
      if (version != std::string::npos && version < end) {
        static const std::regex kMicro(R"(^\d+\.\d+\.(\d+))");
        std::string text = status.substr(version + 10, 20);
        if (std::regex_search(text, m, kMicro)) micro = std::stoi(m[1]);
      }
    }
    return Json{
        {"executable", candidate},
        {"has_sslcontext", true},
        {"type", "cpython"},
        {"version",
         {{"major", major}, {"minor", minor}, {"micro", micro}, {"releaselevel", "final"}, {"serial", 0}}},
        {"version_info", Json::array({major, minor, micro, "final", 0})}};
  }
  return std::nullopt;
}

}  // namespace

void AddPlatformFacts(const FactSources& s, Json& f) {
  std::string hostname = s.nodename.substr(0, s.nodename.find('.'));
  // socket.getfqdn(): the first name containing a dot among the /etc/hosts
  // entry naming this host (no DNS: the agent is static and must not use NSS).
  std::string fqdn = s.nodename;
  for (const auto& line : Lines(s.files.Read("/etc/hosts").value_or(""))) {
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
  // platform.architecture() describes the interpreter; the agent is built
  // for the target's userspace, so its own word size says the same.
  std::string bits = std::to_string(sizeof(void*) * 8);
  f["ansible_userspace_bits"] = bits;
  if (s.machine == "x86_64") f["ansible_userspace_architecture"] = bits == "64" ? "x86_64" : "i386";
  auto id = s.files.Read("/var/lib/dbus/machine-id");
  if (!id || id->empty()) id = s.files.Read("/etc/machine-id");
  if (id && !id->empty()) f["ansible_machine_id"] = Lines(*id).front();
  if (auto python = DescribePython(s.files)) {
    const Json& v = (*python)["version"];
    f["ansible_python_version"] =
        fmt::format("{}.{}.{}", v["major"].get<int>(), v["minor"].get<int>(), v["micro"].get<int>());
  }
}

void AddDistributionFacts(const FactSources& s, Json& f) {
  std::string text = OsRelease(s.files);
  auto os = ParseOsRelease(text);
  Distribution d = DistributionFor(os["ID"], os["NAME"]);
  std::string version = BestVersion(os, s.files);
  if (version.empty()) version = "NA";
  std::string release = os.contains("VERSION_CODENAME") ? os["VERSION_CODENAME"]
                        : os.contains("UBUNTU_CODENAME") ? os["UBUNTU_CODENAME"]
                                                          : "NA";
  f["ansible_distribution"] = d.name;
  f["ansible_os_family"] = d.family;
  f["ansible_distribution_file_path"] = "/etc/os-release";
  f["ansible_distribution_file_variety"] = d.family == "Debian" ? "Debian" : d.name;
  f["ansible_distribution_file_parsed"] = !text.empty();
  if (d.name == "Debian") {
    // Ansible's Debian parser: the release from PRETTY_NAME's parentheses and
    // the minor version from /etc/debian_version ("12.5" -> "5").
    static const std::regex kRelease(R"re(PRETTY_NAME=[^(]+ \(?([^)]+?)\))re");
    std::smatch m;
    if (std::regex_search(text, m, kRelease)) release = m[1];
    static const std::regex kMinor(R"((\d+)\.(\d+))");
    for (const auto& line : Lines(s.files.Read("/etc/debian_version").value_or(""))) {
      std::string trimmed(Trim(line));
      if (std::regex_search(trimmed, m, kMinor)) f["ansible_distribution_minor_version"] = m[2];
    }
  }
  f["ansible_distribution_version"] = version;
  std::string major = version.substr(0, version.find('.'));
  f["ansible_distribution_major_version"] = major.empty() ? "NA" : major;
  f["ansible_distribution_release"] = release;
}

void AddLsbFacts(const FactSources& s, Json& f) {
  Json lsb = Json::object();
  if (HasBinary(s.files, "lsb_release")) {
    // Debian's lsb_release prints what os-release says; reading it directly
    // gives the same answer without running the script.
    auto os = ParseOsRelease(OsRelease(s.files));
    std::string id = os["ID"];
    if (!id.empty()) id[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(id[0])));
    for (const auto& [key, value] : {std::pair{"id", id}, {"description", os["PRETTY_NAME"]},
                                     {"release", os["VERSION_ID"]},
                                     {"codename", os["VERSION_CODENAME"]}}) {
      if (!value.empty()) lsb[key] = value;
    }
  } else if (auto text = s.files.Read("/etc/lsb-release")) {
    for (const auto& line : Lines(*text)) {
      auto kv = SplitOnce(line, '=');
      if (!kv) continue;
      for (const auto& [var, key] : {std::pair{"DISTRIB_ID", "id"}, {"DISTRIB_RELEASE", "release"},
                                     {"DISTRIB_DESCRIPTION", "description"},
                                     {"DISTRIB_CODENAME", "codename"}}) {
        if (line.find(var) != std::string::npos) lsb[key] = kv->second;
      }
    }
  }
  if (lsb.contains("release")) {
    std::string release = lsb["release"];
    lsb["major_release"] = release.substr(0, release.find('.'));
  }
  for (auto& [key, value] : lsb.items()) value = std::string(Trim(value.get<std::string>(), "'\"\\"));
  f["ansible_lsb"] = lsb;
}

void AddSelinuxFacts(const FactSources& s, Json& f) {
  // Ansible's selinux bindings load libselinux.so.1; without it the facts
  // say so.
  bool library = std::any_of(SelinuxLibraryPaths().begin(), SelinuxLibraryPaths().end(),
                             [&](const auto& path) { return s.files.Exists(path); });
  f["ansible_selinux_python_present"] = library;
  if (!library) {
    f["ansible_selinux"] = Json{{"status", "Missing selinux Python library"}};
    return;
  }
  if (!s.files.Exists("/sys/fs/selinux/enforce")) {
    f["ansible_selinux"] = Json{{"status", "disabled"}};
    return;
  }
  std::map<std::string, std::string> config;
  for (const auto& line : Lines(s.files.Read("/etc/selinux/config").value_or(""))) {
    if (auto kv = SplitOnce(line, '=')) config[kv->first] = kv->second;
  }
  auto mode = [](const std::string& m) {
    return m == "1" || m == "enforcing" ? "enforcing"
           : m == "0" || m == "permissive" ? "permissive"
           : m == "disabled"               ? "disabled"
                                           : "unknown";
  };
  std::string policyvers = s.files.Text("/sys/fs/selinux/policyvers");
  f["ansible_selinux"] = Json{
      {"status", "enabled"},
      {"policyvers", policyvers.empty() ? Json("unknown") : Json(std::atoi(policyvers.c_str()))},
      {"config_mode", mode(config["SELINUX"])},
      {"mode", mode(s.files.Text("/sys/fs/selinux/enforce"))},
      {"type", config.contains("SELINUXTYPE") ? config["SELINUXTYPE"] : "unknown"}};
}

void AddApparmorFacts(const FactSources& s, Json& f) {
  f["ansible_apparmor"] =
      Json{{"status", s.files.Exists("/sys/kernel/security/apparmor") ? "enabled" : "disabled"}};
}

void AddChrootFacts(const FactSources& s, Json& f) {
  f["ansible_is_chroot"] = s.env.contains("debian_chroot") || s.is_chroot;
}

void AddFipsFacts(const FactSources& s, Json& f) {
  f["ansible_fips"] = s.files.Text("/proc/sys/crypto/fips_enabled") == "1";
}

void AddPythonFacts(const FactSources& s, Json& f) {
  if (auto python = DescribePython(s.files)) f["ansible_python"] = *python;
}

void AddCapsFacts(const FactSources& s, Json& f) {
  f["ansible_system_capabilities_enforced"] = "N/A";
  f["ansible_system_capabilities"] = "N/A";
  if (!HasBinary(s.files, "capsh")) return;
  std::map<std::string, uint64_t> sets;
  for (const auto& line : Lines(s.files.Read("/proc/self/status").value_or(""))) {
    if (auto kv = SplitOnce(line, ':'); kv && kv->first.starts_with("Cap")) {
      sets[kv->first] = std::strtoull(kv->second.c_str(), nullptr, 16);
    }
  }
  int last = std::atoi(s.files.Text("/proc/sys/kernel/cap_last_cap", "40").c_str());
  // Ansible parses capsh's "Current:" line: "=ep" alone means nothing is
  // withheld; otherwise the comma-separated pieces after the first '='.
  std::string current = CapabilityText(sets["CapEff"], sets["CapPrm"], sets["CapInh"], last);
  if (current == "=ep") {
    f["ansible_system_capabilities_enforced"] = "False";
    f["ansible_system_capabilities"] = Json::array();
    return;
  }
  Json caps = Json::array();
  std::string after = current.substr(current.find('=') + 1);
  after = after.substr(0, after.find('='));
  for (const auto& piece : SplitString(after, ',')) caps.push_back(std::string(Trim(piece)));
  f["ansible_system_capabilities_enforced"] = "True";
  f["ansible_system_capabilities"] = caps;
}

void AddPkgMgrFacts(const FactSources& s, Json& f) {
  // Ansible's PKG_MGRS order; the last one present wins.
  static const std::vector<std::pair<std::string, std::string>> kManagers{
      {"/usr/bin/rpm-ostree", "atomic_container"}, {"/usr/bin/yum", "yum"},
      {"/usr/bin/dnf", "dnf"},                     {"/usr/bin/apt-get", "apt"},
      {"/usr/bin/zypper", "zypper"},               {"/usr/sbin/urpmi", "urpmi"},
      {"/usr/bin/pacman", "pacman"},               {"/bin/opkg", "opkg"},
      {"/sbin/apk", "apk"},                        {"/usr/bin/emerge", "portage"},
      {"/usr/bin/xbps-install", "xbps"},           {"/usr/bin/swupd", "swupd"}};
  std::string name = "unknown";
  for (const auto& [path, manager] : kManagers) {
    if (s.files.Exists(path)) name = manager;
  }
  if ((name == "yum" || name == "dnf") && f.value("ansible_os_family", "") == "RedHat") {
    std::string distro = f.value("ansible_distribution", "");
    int major = std::atoi(f.value("ansible_distribution_major_version", "0").c_str());
    int dnf_from = distro == "Fedora" ? 23 : distro == "Amazon" ? 2022 : 8;
    name = major < dnf_from && distro != "Fedora" && distro != "Amazon" ? "yum"
           : major < dnf_from && s.files.Exists("/usr/bin/yum")     ? "yum"
           : major >= dnf_from && s.files.Exists("/usr/bin/dnf")    ? "dnf"
                                                                    : name;
  }
  f["ansible_pkg_mgr"] = name;
}

void AddServiceMgrFacts(const FactSources& s, Json& f) {
  static const std::map<std::string, std::string> kInit{{"procd", "openwrt_init"},
                                                         {"runit-init", "runit"},
                                                         {"svscan", "svc"},
                                                         {"openrc-init", "openrc"}};
  std::optional<std::string> proc1 = s.files.Read("/proc/1/comm");
  if (!proc1) proc1 = s.files.Link("/sbin/init");
  if (proc1) {
    proc1 = std::string(Trim(proc1->substr(proc1->rfind('/') + 1)));
    if (*proc1 == "init" || proc1->ends_with("sh")) proc1.reset();
  }
  std::string name;
  bool systemctl = HasBinary(s.files, "systemctl");
  auto init_link = s.files.Link("/sbin/init");
  if (proc1) {
    name = kInit.contains(*proc1) ? kInit.at(*proc1) : *proc1;
  } else if (systemctl && (s.files.Exists("/run/systemd/system/") ||
                           s.files.Exists("/dev/.run/systemd/") || s.files.Exists("/dev/.systemd/"))) {
    name = "systemd";
  } else if (HasBinary(s.files, "initctl") && s.files.Exists("/etc/init/")) {
    name = "upstart";
  } else if (s.files.Exists("/sbin/openrc")) {
    name = "openrc";
  } else if (systemctl && init_link && init_link->ends_with("systemd")) {
    name = "systemd";
  } else if (s.files.Exists("/etc/init.d/")) {
    name = "sysvinit";
  }
  f["ansible_service_mgr"] = name.empty() ? "service" : name;
}

void AddCmdlineFacts(const FactSources& s, Json& f) {
  auto text = s.files.Read("/proc/cmdline");
  if (!text || text->empty()) return;
  f["ansible_cmdline"] = ParseCmdline(*text, false);
  f["ansible_proc_cmdline"] = ParseCmdline(*text, true);
}

void AddDateTimeFacts(const FactSources& s, Json& f) {
  time_t seconds = static_cast<time_t>(s.now_micros / 1000000);
  std::string micros = fmt::format("{:06}", s.now_micros % 1000000);
  tm local{}, utc{};
  ::localtime_r(&seconds, &local);
  ::gmtime_r(&seconds, &utc);
  char buffer[64];
  auto at = [&](const char* format, const tm& t) {
    ::strftime(buffer, sizeof buffer, format, &t);
    return std::string(buffer);
  };
  ::tzset();
  f["ansible_date_time"] = Json{
      {"year", at("%Y", local)},
      {"month", at("%m", local)},
      {"weekday", at("%A", local)},
      {"weekday_number", at("%w", local)},
      {"weeknumber", at("%W", local)},
      {"day", at("%d", local)},
      {"hour", at("%H", local)},
      {"minute", at("%M", local)},
      {"second", at("%S", local)},
      {"epoch", std::to_string(seconds)},
      {"epoch_int", std::to_string(seconds)},
      {"date", at("%Y-%m-%d", local)},
      {"time", at("%H:%M:%S", local)},
      {"iso8601_micro", at("%Y-%m-%dT%H:%M:%S.", utc) + micros + "Z"},
      {"iso8601", at("%Y-%m-%dT%H:%M:%SZ", utc)},
      {"iso8601_basic", at("%Y%m%dT%H%M%S", local) + micros},
      {"iso8601_basic_short", at("%Y%m%dT%H%M%S", local)},
      {"tz", at("%Z", local)},
      {"tz_dst", std::string(tzname[1])},
      {"tz_offset", at("%z", local)},
  };
}

void AddEnvFacts(const FactSources& s, Json& f) {
  Json env = Json::object();
  for (const auto& [key, value] : s.env) env[key] = value;
  f["ansible_env"] = env;
}

void AddLoadavgFacts(const FactSources& s, Json& f) {
  if (!s.loadavg) return;
  f["ansible_loadavg"] = Json{{"1m", (*s.loadavg)[0]}, {"5m", (*s.loadavg)[1]}, {"15m", (*s.loadavg)[2]}};
}

void AddSshPubKeyFacts(const FactSources& s, Json& f) {
  for (const char* dir : {"/etc/ssh", "/etc/openssh", "/etc"}) {
    for (const char* algo : {"dsa", "rsa", "ecdsa", "ed25519"}) {
      std::string fact = fmt::format("ansible_ssh_host_key_{}_public", algo);
      // Ansible stops at the first key found twice (a later directory).
      if (f.contains(fact)) return;
      auto text = s.files.Read(fmt::format("{}/ssh_host_{}_key.pub", dir, algo));
      if (!text) continue;
      auto words = Words(*text);
      if (words.size() < 2) continue;
      f[fact] = words[1];
      f[fact + "_keytype"] = words[0];
    }
  }
}

void AddUserFacts(const FactSources& s, Json& f) {
  // getpass.getuser(): the login name from the environment first.
  std::string name;
  for (const char* var : {"LOGNAME", "USER", "LNAME", "USERNAME"}) {
    if (auto it = s.env.find(var); it != s.env.end() && !it->second.empty()) {
      name = it->second;
      break;
    }
  }
  auto users = ParsePasswd(s.files.Read("/etc/passwd").value_or(""));
  auto by_name = std::find_if(users.begin(), users.end(), [&](const auto& u) { return u.name == name; });
  if (by_name == users.end()) {
    by_name = std::find_if(users.begin(), users.end(), [&](const auto& u) { return u.uid == s.uid; });
  }
  if (name.empty()) name = by_name != users.end() ? by_name->name : std::to_string(s.uid);
  f["ansible_user_id"] = name;
  if (by_name != users.end()) {
    f["ansible_user_uid"] = by_name->uid;
    f["ansible_user_gid"] = by_name->gid;
    f["ansible_user_gecos"] = by_name->gecos;
    f["ansible_user_dir"] = by_name->home;
    f["ansible_user_shell"] = by_name->shell;
  }
  f["ansible_real_user_id"] = s.uid;
  f["ansible_effective_user_id"] = s.euid;
  f["ansible_real_group_id"] = s.gid;
  // Ansible reports the real gid here as well (os.getgid()).
  f["ansible_effective_group_id"] = s.gid;
}

void AddDnsFacts(const FactSources& s, Json& f) {
  f["ansible_dns"] = ParseResolvConf(s.files.Read("/etc/resolv.conf").value_or(""));
}

void AddLocalFacts(const FactSources& s, Json& f) { f["ansible_local"] = s.local; }

}  // namespace tend::facts
