#include "controller/lab/host_runtime.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/close_range.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "controller/lab/files.h"
#include "controller/lab/process.h"

namespace tend::lab {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kCgroupTop = "tend-lab";
constexpr const char* kSshd = "/usr/sbin/sshd";
// systemd in the container needs a moment to power off; 10 hosts on 2 cores
// take about 3 s. After this, whatever is left is killed.
constexpr auto kGracefulStop = std::chrono::seconds(20);
constexpr auto kKillWait = std::chrono::seconds(5);

std::vector<std::string> HostCgroupDirs(const std::string& lab, const std::string& host) {
  auto mountinfo = ReadFile("/proc/self/mountinfo");
  std::vector<std::string> dirs;
  for (const auto& root : CgroupRoots(ParseMountInfo(mountinfo.value_or("")))) {
    dirs.push_back(
        fmt::format("{}/{}/{}{}{}", root, kCgroupTop, lab, host.empty() ? "" : "/", host));
  }
  return dirs;
}

// Directories of a cgroup subtree, deepest first (the order rmdir needs).
std::vector<std::string> CgroupTree(const std::string& dir) {
  std::vector<std::string> dirs;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return dirs;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path().string());
  }
  std::sort(dirs.begin(), dirs.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  dirs.push_back(dir);
  return dirs;
}

void RemoveCgroupTree(const std::string& dir) {
  for (const auto& d : CgroupTree(dir)) rmdir(d.c_str());
}

// Everything the child needs, prepared before fork so the child does little
// beyond system calls (tend is single-threaded, so allocating there is safe).
struct ChildPlan {
  Runtime runtime;
  std::string hostname;
  std::string root;
  std::string overlay_options;
  std::vector<std::string> cgroup_procs;
  std::vector<std::string> argv;
  std::vector<std::string> env;
  int log_fd;
  int status_fd;
};

[[noreturn]] void ChildFail(const ChildPlan& plan, const std::string& step) {
  int err = errno;
  std::string message = fmt::format("error {}: {}\n", step, std::strerror(err));
  (void)!write(plan.status_fd, message.data(), message.size());
  _exit(127);
}

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// A small /dev of the host's own on a tmpfs: never a bind of the machine's,
// so nothing a host does to its /dev reaches the machine's devices.
void MakeDev(const ChildPlan& plan) {
  std::string dev = plan.root + "/dev";
  umask(0);
  if (mount("tmpfs", dev.c_str(), "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=4m") != 0) {
    ChildFail(plan, "mounting a tmpfs on " + dev);
  }
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  const Node nodes[] = {{"null", 1, 3},   {"zero", 1, 5},    {"full", 1, 7},
                        {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
  for (const Node& n : nodes) {
    if (mknod((dev + "/" + n.name).c_str(), S_IFCHR | 0666, makedev(n.major, n.minor)) != 0) {
      ChildFail(plan, fmt::format("creating {}/{}", dev, n.name));
    }
  }
  mkdir((dev + "/pts").c_str(), 0755);
  mkdir((dev + "/shm").c_str(), 01777);
  if (mount("devpts", (dev + "/pts").c_str(), "devpts", MS_NOSUID | MS_NOEXEC,
            "newinstance,ptmxmode=0666,mode=0620,gid=5") != 0) {
    ChildFail(plan, "mounting devpts");
  }
  if (mount("tmpfs", (dev + "/shm").c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) {
    ChildFail(plan, "mounting /dev/shm");
  }
  const std::pair<const char*, const char*> links[] = {{"pts/ptmx", "ptmx"},
                                                       {"/proc/self/fd", "fd"},
                                                       {"/proc/self/fd/0", "stdin"},
                                                       {"/proc/self/fd/1", "stdout"},
                                                       {"/proc/self/fd/2", "stderr"}};
  for (const auto& [target, link] : links) {
    if (symlink(target, (dev + "/" + link).c_str()) != 0) ChildFail(plan, "creating /dev links");
  }
  umask(022);
}

[[noreturn]] void RunChroot(const ChildPlan& plan) {
  MakeDev(plan);
  // Read-only sysfs helps tools that look at /sys; a host can do without it.
  mount("sysfs", (plan.root + "/sys").c_str(), "sysfs",
        MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr);
  pid_t init = fork();
  if (init < 0) ChildFail(plan, "fork");
  if (init == 0) {
    // pid 1 of the new pid namespace: its own /proc, then sshd in the chroot.
    if (mount("proc", (plan.root + "/proc").c_str(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              nullptr) != 0) {
      ChildFail(plan, "mounting /proc");
    }
    if (chroot(plan.root.c_str()) != 0 || chdir("/") != 0) ChildFail(plan, "chroot");
    auto argv = CStrings(plan.argv);
    auto env = CStrings(plan.env);
    execve(kSshd, argv.data(), env.data());
    ChildFail(plan, "running sshd");
  }
  std::string message = fmt::format("pid {}\n", init);
  (void)!write(plan.status_fd, message.data(), message.size());
  _exit(0);
}

[[noreturn]] void RunChild(const ChildPlan& plan) {
  setsid();
  umask(022);
  int null_fd = open("/dev/null", O_RDONLY);
  dup2(null_fd, 0);
  dup2(plan.log_fd, 1);
  dup2(plan.log_fd, 2);
  for (const auto& procs : plan.cgroup_procs) {
    int fd = open(procs.c_str(), O_WRONLY);
    if (fd < 0 || write(fd, "0", 1) != 1) ChildFail(plan, "joining cgroup " + procs);
    close(fd);
  }
  // nspawn makes its own pid and UTS namespaces; a chroot host gets them here,
  // so its processes and hostname are its own.
  bool chroot_host = plan.runtime == Runtime::kChroot;
  int flags = CLONE_NEWNS | (chroot_host ? CLONE_NEWPID | CLONE_NEWUTS : 0);
  if (unshare(flags) != 0) ChildFail(plan, "creating namespaces");
  if (chroot_host && sethostname(plan.hostname.data(), plan.hostname.size()) != 0) {
    ChildFail(plan, "setting the hostname");
  }
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    ChildFail(plan, "making mounts private");
  }
  if (mount("overlay", plan.root.c_str(), "overlay", 0, plan.overlay_options.c_str()) != 0) {
    ChildFail(plan, "mounting the overlay on " + plan.root);
  }
  // Every inherited descriptor but stdio closes on exec (the status pipe too).
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  if (plan.runtime == Runtime::kChroot) RunChroot(plan);
  auto argv = CStrings(plan.argv);
  auto env = CStrings(plan.env);
  execve(plan.argv[0].c_str(), argv.data(), env.data());
  ChildFail(plan, "running " + plan.argv[0]);
}

// systemd-nspawn's machine name must be a valid hostname and unique among
// running containers, while host names repeat across labs.
std::string MachineName(const HostPlace& p) {
  std::string name = fmt::format("tl-{}-{}", p.lab, p.name);
  std::replace(name.begin(), name.end(), '_', '-');
  return name;
}

Expected<ChildPlan> PlanChild(const HostPlace& p, Runtime runtime) {
  ChildPlan plan{runtime, p.name, p.Root(), "", {}, {}, {}, -1, -1};
  if (p.lower.find_first_of(",:") != std::string::npos ||
      p.dir.find_first_of(",:") != std::string::npos) {
    return Fail(
        fmt::format("the lab's paths must not contain ',' or ':' (overlay options): {}", p.dir));
  }
  plan.overlay_options =
      fmt::format("lowerdir={},upperdir={},workdir={}", p.lower, p.Upper(), p.Work());
  for (const auto& dir : HostCgroupDirs(p.lab, p.name)) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return Fail(fmt::format("cannot create cgroup {}: {}", dir, ec.message()));
    plan.cgroup_procs.push_back(dir + "/cgroup.procs");
  }
  plan.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"};
  if (runtime == Runtime::kChroot) {
    plan.argv = {kSshd, "-D", "-e"};
    return plan;
  }
  auto nspawn = FindProgram("systemd-nspawn");
  if (!nspawn) {
    return Fail(
        "systemd-nspawn is not installed (apt-get install systemd-container), or use "
        "--runtime=chroot");
  }
  plan.argv = {*nspawn,
               "--register=no",  // no system bus is needed, nor machined
               "--keep-unit",    // stay in the cgroup made for this host
               "--boot",
               "--directory=" + p.Root(),
               "--machine=" + MachineName(p),
               "--hostname=" + p.name,
               "--resolv-conf=off",
               "--timezone=off",
               "--link-journal=no",
               "--console=read-only"};
  plan.env.push_back("SYSTEMD_COLORS=0");
  return plan;
}

// Reads the child's status lines until every copy of the pipe is closed
// (the last one closes when sshd or systemd-nspawn is exec'd).
std::string ReadStatus(int fd) {
  std::string text;
  char buf[512];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR)) {
    if (n > 0) text.append(buf, n);
  }
  return text;
}

void ReapChildren() {
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

bool HostGone(const HostPlace& place, const HostProcess& proc) {
  ReapChildren();
  return !IsProcessAlive(proc.pid, proc.start_time) && HostPids(place).empty();
}

}  // namespace

std::string_view RuntimeName(Runtime runtime) {
  return runtime == Runtime::kNspawn ? "nspawn" : "chroot";
}

std::optional<Runtime> ParseRuntime(std::string_view name) {
  if (name == "nspawn") return Runtime::kNspawn;
  if (name == "chroot") return Runtime::kChroot;
  return std::nullopt;
}

std::vector<std::string> CgroupRoots(const std::vector<MountEntry>& mounts) {
  std::vector<std::string> roots;
  for (const auto& m : mounts) {
    bool systemd_v1 = m.fs_type == "cgroup" &&
                      ("," + m.super_options + ",").find(",name=systemd,") != std::string::npos;
    if ((m.fs_type == "cgroup2" || systemd_v1) &&
        std::find(roots.begin(), roots.end(), m.mount_point) == roots.end()) {
      roots.push_back(m.mount_point);
    }
  }
  return roots;
}

Expected<void> CheckAddressFree(const std::string& address, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) {
    return Fail(fmt::format("{} is not an IPv4 address", address));
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Fail("socket: " + ErrnoText(errno));
  // Like sshd, ignore connections in TIME_WAIT from a lab that just went down.
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  close(fd);
  if (rc == 0) return {};
  if (err == EADDRINUSE) {
    std::string tables =
        ReadFile("/proc/net/tcp").value_or("") + ReadFile("/proc/net/tcp6").value_or("");
    if (ListensOnAllAddresses(tables, port)) {
      return Fail(fmt::format(
          "address {}:{} is already in use: something listens on port {} of all addresses, "
          "probably the machine's own sshd; make it listen on specific addresses (ListenAddress "
          "in /etc/ssh/sshd_config) so lab hosts can have port {} of their own",
          address, port, port, port));
    }
    return Fail(fmt::format(
        "address {}:{} is already in use (another lab, or an sshd listening on all addresses?); "
        "stop what listens there, or give this lab another --name",
        address, port));
  }
  return Fail(fmt::format("cannot use address {}:{}: {}", address, port, ErrnoText(err)));
}

bool ListensOnAllAddresses(std::string_view proc_net_tcp, int port) {
  std::string wanted_port = fmt::format(":{:04X}", port);
  std::istringstream lines{std::string(proc_net_tcp)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    if (!(fields >> slot >> local >> remote >> state) || state != "0A") continue;  // 0A: LISTEN
    size_t colon = local.find(':');
    if (colon == std::string::npos || local.substr(colon) != wanted_port) continue;
    std::string address = local.substr(0, colon);
    if (address.find_first_not_of('0') == std::string::npos) return true;
  }
  return false;
}

Expected<HostProcess> StartHost(const HostPlace& p, Runtime runtime) {
  for (const auto& dir : {p.Upper(), p.Work(), p.Root()}) {
    if (auto r = MakeDirs(dir); !r) return std::unexpected(r.error());
  }
  auto plan = PlanChild(p, runtime);
  if (!plan) return std::unexpected(plan.error());
  plan->log_fd = open(p.Log().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (plan->log_fd < 0) return Fail(fmt::format("cannot open {}: {}", p.Log(), ErrnoText(errno)));
  std::time_t now = std::time(nullptr);
  char stamp[64];
  std::strftime(stamp, sizeof(stamp), "%F %T", std::localtime(&now));
  std::string header =
      fmt::format("--- tend lab: starting {} ({}) at {}\n", p.name, RuntimeName(runtime), stamp);
  (void)!write(plan->log_fd, header.data(), header.size());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Fail("pipe: " + ErrnoText(errno));
  plan->status_fd = fds[1];
  pid_t child = fork();
  if (child < 0) return Fail("fork: " + ErrnoText(errno));
  if (child == 0) {
    close(fds[0]);
    RunChild(*plan);
  }
  close(fds[1]);
  close(plan->log_fd);
  std::string status = ReadStatus(fds[0]);
  close(fds[0]);
  if (runtime == Runtime::kChroot) waitpid(child, nullptr, 0);
  // "error <what>" from the child, or from the chroot's pid 1 after "pid N".
  size_t error_at = status.starts_with("error ") ? 0 : status.find("\nerror ");
  if (error_at != std::string::npos) {
    if (runtime == Runtime::kNspawn) waitpid(child, nullptr, 0);
    std::string what = status.substr(status.find("error ", error_at) + 6);
    while (!what.empty() && what.back() == '\n') what.pop_back();
    return Fail(fmt::format("starting host {} failed: {}", p.name, what));
  }
  pid_t pid = runtime == Runtime::kChroot ? std::atoi(status.c_str() + 4) : child;
  auto start_time = ProcessStartTime(pid);
  if (pid <= 0 || !start_time) {
    auto log = ReadFile(p.Log());
    return std::unexpected(HostNotUpError(p, true, {}, log.value_or("")));
  }
  return HostProcess{pid, *start_time};
}

bool SshReady(const std::string& address, std::chrono::milliseconds timeout, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) return false;
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ready = false;
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  if (rc == 0 || errno == EINPROGRESS) {
    pollfd pfd{fd, POLLIN, 0};
    // The server speaks first: wait for its "SSH-2.0-…" banner.
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) == 1 && (pfd.revents & POLLIN)) {
      char banner[8] = {};
      ready = recv(fd, banner, 4, MSG_PEEK) == 4 && std::memcmp(banner, "SSH-", 4) == 0;
    }
  }
  close(fd);
  return ready;
}

Error HostNotUpError(const HostPlace& place, bool exited, std::chrono::seconds timeout,
                     std::string_view log_text) {
  std::string what = exited ? "stopped before its sshd came up"
                            : fmt::format("did not come up within {} s", timeout.count());
  return Error{fmt::format("host {} ({}) {}; last lines of {}:", place.name, place.address, what,
                           place.Log()),
               {},
               LogTail(log_text, 20)};
}

Expected<void> WaitForHosts(const std::vector<std::pair<HostPlace, HostProcess>>& hosts,
                            std::chrono::seconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::vector<size_t> pending(hosts.size());
  for (size_t i = 0; i < hosts.size(); ++i) pending[i] = i;
  while (!pending.empty()) {
    std::vector<size_t> still;
    for (size_t i : pending) {
      const auto& [place, proc] = hosts[i];
      if (SshReady(place.address, std::chrono::milliseconds(300))) continue;
      ReapChildren();
      if (!IsProcessAlive(proc.pid, proc.start_time)) {
        return std::unexpected(
            HostNotUpError(place, true, timeout, ReadFile(place.Log()).value_or("")));
      }
      still.push_back(i);
    }
    pending = std::move(still);
    if (pending.empty()) break;
    if (Clock::now() > deadline) {
      const auto& place = hosts[pending.front()].first;
      return std::unexpected(
          HostNotUpError(place, false, timeout, ReadFile(place.Log()).value_or("")));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return {};
}

std::vector<pid_t> HostPids(const HostPlace& place) {
  std::vector<pid_t> pids;
  for (const auto& root : HostCgroupDirs(place.lab, place.name)) {
    for (const auto& dir : CgroupTree(root)) {
      auto procs = ReadFile(dir + "/cgroup.procs");
      if (!procs) continue;
      for (const char* p = procs->c_str(); *p;) {
        char* end;
        long pid = std::strtol(p, &end, 10);
        if (end == p) break;
        if (pid > 0 && std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
        p = end;
      }
    }
  }
  return pids;
}

Expected<void> StopHosts(const std::vector<std::pair<HostPlace, HostProcess>>& hosts) {
  for (const auto& [place, proc] : hosts) {
    // nspawn powers the container off on SIGTERM; the chroot's sshd is pid 1
    // of its namespace, and when it exits the kernel kills the rest.
    if (IsProcessAlive(proc.pid, proc.start_time)) kill(proc.pid, SIGTERM);
  }
  auto all_gone = [&] {
    return std::all_of(hosts.begin(), hosts.end(),
                       [](const auto& h) { return HostGone(h.first, h.second); });
  };
  auto wait_until = [&](Clock::time_point deadline) {
    while (!all_gone() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  };
  wait_until(Clock::now() + kGracefulStop);
  if (!all_gone()) {
    for (const auto& [place, proc] : hosts) {
      if (IsProcessAlive(proc.pid, proc.start_time)) kill(proc.pid, SIGKILL);
      for (pid_t pid : HostPids(place)) kill(pid, SIGKILL);
    }
    wait_until(Clock::now() + kKillWait);
  }
  for (const auto& [place, proc] : hosts) {
    auto left = HostPids(place);
    if (IsProcessAlive(proc.pid, proc.start_time)) left.push_back(proc.pid);
    if (!left.empty()) {
      return Fail(fmt::format("host {}: {} process(es) still running after SIGKILL (pid {})",
                              place.name, left.size(), left.front()));
    }
    auto mounts = FindMountsAnywhere(place.dir);
    if (!mounts.empty()) {
      return Fail(fmt::format("host {}: {} is still mounted (seen by pid {})", place.name,
                              mounts.front().mount.mount_point, mounts.front().pid));
    }
    for (const auto& dir : HostCgroupDirs(place.lab, place.name)) RemoveCgroupTree(dir);
  }
  return {};
}

void RemoveLabCgroups(const std::string& lab) {
  for (const auto& dir : HostCgroupDirs(lab, "")) {
    RemoveCgroupTree(dir);
    rmdir(fs::path(dir).parent_path().c_str());  // tend-lab/, if no other lab uses it
  }
}

}  // namespace tend::lab
