#include "modules/host/real_host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <spawn.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "modules/host/child_stop.h"

extern char** environ;

namespace tend {
namespace {

FileKind KindOf(mode_t mode) {
  if (S_ISREG(mode)) return FileKind::kFile;
  if (S_ISDIR(mode)) return FileKind::kDirectory;
  if (S_ISLNK(mode)) return FileKind::kLink;
  return FileKind::kOther;
}

std::string DirName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Reset(); }
  int get() const { return fd_; }
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

Expected<void> WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PathError("write", path, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

std::string TempFilePrefix(const std::string& base) { return "." + base + ".tend-tmp-"; }

// The pid a temporary file was named after, or 0 when the name is not
// "<prefix><pid>-XXXXXX".
pid_t TempFileOwner(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return 0;
  name.remove_prefix(prefix.size());
  size_t dash = name.find('-');
  if (dash == 0 || dash == std::string_view::npos || name.size() - dash - 1 != 6) return 0;
  pid_t pid = 0;
  for (char c : name.substr(0, dash)) {
    if (c < '0' || c > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (c - '0');
  }
  return pid;
}

// A copy whose agent was killed mid-write left its temporary file behind;
// the next write of the same file removes those whose writer is gone.
void RemoveStaleTempFiles(const std::string& dir, const std::string& prefix) {
  DIR* listing = ::opendir(dir.c_str());
  if (!listing) return;
  while (dirent* entry = ::readdir(listing)) {
    pid_t owner = TempFileOwner(entry->d_name, prefix);
    if (owner > 0 && ::kill(owner, 0) != 0 && errno == ESRCH) {
      ::unlinkat(::dirfd(listing), entry->d_name, 0);
    }
  }
  ::closedir(listing);
}

// Writes the content into the open temporary file and gives it its final
// attributes; the caller renames it into place.
Expected<void> FillTemp(int fd, const std::string& tmp, const ContentSource& content,
                        const FileAttrs& attrs, const struct stat* existing) {
  auto written = content([&](std::string_view chunk) { return WriteAll(fd, chunk, tmp); });
  if (!written) return written;
  if (::fsync(fd) != 0) return PathError("fsync", tmp, errno);
  // Unset attributes keep those of the file being replaced, as Ansible does.
  mode_t mode = attrs.mode ? *attrs.mode : existing ? existing->st_mode & 07777 : 0;
  if (!attrs.mode && !existing) {
    mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  std::optional<uid_t> uid = attrs.uid;
  std::optional<gid_t> gid = attrs.gid;
  if (!uid && existing && existing->st_uid != ::geteuid()) uid = existing->st_uid;
  if (!gid && existing && existing->st_gid != ::getegid()) gid = existing->st_gid;
  if ((uid || gid) && ::fchown(fd, uid ? *uid : -1, gid ? *gid : -1) != 0) {
    return PathError("chown", tmp, errno);
  }
  // After chown, which clears setuid bits.
  if (::fchmod(fd, mode) != 0) return PathError("chmod", tmp, errno);
  return {};
}

Expected<void> RemoveTreeAt(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return PathError("stat", path, errno);
  }
  if (S_ISDIR(st.st_mode)) {
    DIR* dir = ::opendir(path.c_str());
    if (!dir) return PathError("open directory", path, errno);
    std::vector<std::string> names;
    while (dirent* entry = ::readdir(dir)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(dir);
    for (const auto& name : names) {
      auto ok = RemoveTreeAt(path + "/" + name);
      if (!ok) return ok;
    }
    if (::rmdir(path.c_str()) != 0) return PathError("remove", path, errno);
    return {};
  }
  if (::unlink(path.c_str()) != 0) return PathError("remove", path, errno);
  return {};
}

// The child side of Run: never returns. Reports exec failure through
// `error_fd` (close-on-exec, so success closes it silently).
// The child's environment: ours, with `extra` added or replacing.
std::vector<std::string> ChildEnvironment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    std::string key(entry.substr(0, entry.find('=')));
    if (!extra.contains(key)) out.emplace_back(entry);
  }
  for (const auto& [key, value] : extra) out.push_back(key + "=" + value);
  return out;
}

// execvp's search, done here so a PATH in spec.env counts as it did when the
// child set its environment before exec. Empty when nothing is found.
std::string ResolveProgram(const std::string& name, const std::map<std::string, std::string>& env) {
  if (name.find('/') != std::string::npos) return name;
  std::string path;
  if (auto it = env.find("PATH"); it != env.end()) {
    path = it->second;
  } else if (const char* ours = ::getenv("PATH")) {
    path = ours;
  } else {
    path = "/bin:/usr/bin";
  }
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find(':', begin);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(begin, end - begin);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    struct stat st{};
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    begin = end + 1;
  }
  return "";
}

// Starts spec.argv with the pipe ends as its stdin/stdout/stderr. posix_spawn
// (vfork underneath), not fork: the agent's page tables are not copied for
// every command, which is most of a short command's cost on a busy host.
// Returns the pid, or {what failed (0 = chdir, 1 = exec), errno}.
std::expected<pid_t, std::pair<int, int>> Spawn(const ProcessSpec& spec, int in_fd, int out_fd,
                                                int err_fd) {
  if (!spec.cwd.empty()) {
    struct stat st{};
    if (::stat(spec.cwd.c_str(), &st) != 0) return std::unexpected(std::pair{0, errno});
    if (!S_ISDIR(st.st_mode)) return std::unexpected(std::pair{0, ENOTDIR});
  }
  std::string program = ResolveProgram(spec.argv[0], spec.env);
  if (program.empty()) return std::unexpected(std::pair{1, ENOENT});
  std::vector<std::string> env = ChildEnvironment(spec.env);
  std::vector<char*> argv, envp;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  ::posix_spawn_file_actions_init(&actions);
  ::posix_spawn_file_actions_adddup2(&actions, in_fd, 0);
  ::posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  ::posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  if (!spec.cwd.empty()) ::posix_spawn_file_actions_addchdir_np(&actions, spec.cwd.c_str());
  ::posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  ::posix_spawnattr_setsigdefault(&attr, &defaults);
  // Its own process group, so that stopping it reaches what it started too
  // (modules/host/child_stop.h).
  ::posix_spawnattr_setpgroup(&attr, 0);
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  ::posix_spawnattr_destroy(&attr);
  ::posix_spawn_file_actions_destroy(&actions);
  if (rc == 0) return pid;
  // The directory passed the check above, so a failure there is a race or
  // a permission problem; either way the spawn error names it.
  bool in_cwd = !spec.cwd.empty() && ::access(spec.cwd.c_str(), X_OK) != 0;
  return std::unexpected(std::pair{in_cwd ? 0 : 1, rc});
}

// Feeds stdin and drains stdout/stderr together, so a child that writes a lot
// before reading never deadlocks against us.
void PumpPipes(int in_fd, int out_fd, int err_fd, std::string_view input, ProcessResult& result) {
  if (input.empty() && in_fd >= 0) {
    ::close(in_fd);
    in_fd = -1;
  }
  // A blocking write of more than the pipe buffer would wait for the child
  // to read everything while it waits for us to drain its output.
  if (in_fd >= 0) ::fcntl(in_fd, F_SETFL, ::fcntl(in_fd, F_GETFL) | O_NONBLOCK);
  char buffer[65536];
  // Only its hangup matters: requests the controller pipelines stay unread.
  int controller_fd = ControllerFd();
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    pollfd fds[4];
    int n = 0;
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (controller_fd >= 0) fds[n++] = {controller_fd, 0, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      int fd = fds[i].fd;
      if (fd == controller_fd) {
        StopRunningGroup();
        controller_fd = -1;
        continue;
      }
      if (fd == in_fd) {
        ssize_t w = ::write(in_fd, input.data(), input.size());
        if (w > 0) input.remove_prefix(static_cast<size_t>(w));
        if (w < 0 && errno != EINTR && errno != EAGAIN) input = {};
        if (input.empty()) {
          ::close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      ssize_t r = ::read(fd, buffer, sizeof buffer);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        ::close(fd);
        (fd == out_fd ? out_fd : err_fd) = -1;
        continue;
      }
      (fd == out_fd ? result.stdout_data : result.stderr_data).append(buffer, r);
    }
  }
}

}  // namespace

std::unexpected<Error> PathError(std::string_view what, const std::string& path, int err) {
  return Fail(fmt::format("could not {} {}: {}", what, path, std::strerror(err)));
}

int ErrnoOf(const Error& error) {
  for (int err = 1; err < 134; ++err) {
    if (error.message.ends_with(fmt::format(": {}", std::strerror(err)))) return err;
  }
  return 0;
}

Expected<FileInfo> RealHost::Stat(const std::string& path, bool follow) {
  struct stat st;
  int rc = follow ? ::stat(path.c_str(), &st) : ::lstat(path.c_str(), &st);
  FileInfo info;
  if (rc != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return info;
    return PathError("stat", path, errno);
  }
  info.kind = KindOf(st.st_mode);
  info.mode = st.st_mode & 07777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.size = static_cast<uint64_t>(st.st_size);
  info.mtime = st.st_mtim.tv_sec;
  info.atime = st.st_atim.tv_sec;
  info.ctime = st.st_ctim.tv_sec;
  info.inode = st.st_ino;
  info.device = st.st_dev;
  info.nlink = st.st_nlink;
  if (info.kind == FileKind::kLink) {
    std::string target(4096, '\0');
    ssize_t n = ::readlink(path.c_str(), target.data(), target.size());
    if (n >= 0) info.link_target = target.substr(0, static_cast<size_t>(n));
  }
  return info;
}

Expected<std::string> RealHost::ReadFile(const std::string& path) {
  std::string out;
  auto ok = ReadFileChunks(path, [&](std::string_view chunk) { out.append(chunk); });
  if (!ok) return std::unexpected(ok.error());
  return out;
}

Expected<void> RealHost::ReadFileChunks(const std::string& path,
                                        const std::function<void(std::string_view)>& sink) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return PathError("read", path, errno);
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return PathError("read", path, errno);
    if (n == 0) return {};
    sink(std::string_view(buffer, static_cast<size_t>(n)));
  }
}

Expected<std::string> RealHost::FileChecksum(const std::string& path, HashAlgorithm algorithm) {
  return HexDigestOfFile(algorithm, path);
}

Expected<void> RealHost::WriteFileAtomic(const std::string& path, const ContentSource& content,
                                         const FileAttrs& attrs) {
  struct stat existing;
  bool exists = ::stat(path.c_str(), &existing) == 0;
  if (exists && S_ISDIR(existing.st_mode)) return PathError("write", path, EISDIR);
  std::string dir = DirName(path);
  std::string prefix = TempFilePrefix(BaseName(path));
  RemoveStaleTempFiles(dir, prefix);
  std::string tmp_template = fmt::format("{}/{}{}-XXXXXX", dir, prefix, ::getpid());
  Fd fd(::mkostemp(tmp_template.data(), O_CLOEXEC));
  if (fd.get() < 0) return PathError("create a temporary file in", dir, errno);
  const std::string& tmp = tmp_template;
  auto filled = FillTemp(fd.get(), tmp, content, attrs, exists ? &existing : nullptr);
  if (filled && ::rename(tmp.c_str(), path.c_str()) != 0) filled = PathError("rename", tmp, errno);
  if (!filled) {
    ::unlink(tmp.c_str());
    return filled;
  }
  // The rename is durable only once the directory is synced.
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return {};
}

Expected<void> RealHost::MakeDirectory(const std::string& path, uint32_t mode) {
  if (::mkdir(path.c_str(), mode) != 0) return PathError("create directory", path, errno);
  // mkdir applies the umask; an explicit mode is meant exactly.
  if (::chmod(path.c_str(), mode) != 0) return PathError("chmod", path, errno);
  return {};
}

Expected<void> RealHost::Remove(const std::string& path) {
  if (::remove(path.c_str()) != 0) return PathError("remove", path, errno);
  return {};
}

Expected<void> RealHost::RemoveTree(const std::string& path) { return RemoveTreeAt(path); }

Expected<void> RealHost::Chmod(const std::string& path, uint32_t mode) {
  if (::chmod(path.c_str(), mode) != 0) return PathError("chmod", path, errno);
  return {};
}

Expected<void> RealHost::Chown(const std::string& path, std::optional<uid_t> uid,
                               std::optional<gid_t> gid) {
  if (::lchown(path.c_str(), uid ? *uid : -1, gid ? *gid : -1) != 0) {
    return PathError("chown", path, errno);
  }
  return {};
}

Expected<void> RealHost::Symlink(const std::string& target, const std::string& path) {
  if (::symlink(target.c_str(), path.c_str()) != 0) return PathError("create link", path, errno);
  return {};
}

Expected<void> RealHost::HardLink(const std::string& target, const std::string& path) {
  if (::link(target.c_str(), path.c_str()) != 0) return PathError("create hard link", path, errno);
  return {};
}

Expected<void> RealHost::Rename(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return PathError("rename", from, errno);
  return {};
}

Expected<void> RealHost::SetTimes(const std::string& path, int64_t atime, int64_t mtime) {
  timespec times[2] = {{atime, 0}, {mtime, 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    return PathError("set times of", path, errno);
  }
  return {};
}

Expected<std::vector<std::string>> RealHost::ListDirectory(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (!dir) return PathError("list", path, errno);
  std::vector<std::string> names;
  while (dirent* entry = ::readdir(dir)) {
    std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(std::move(name));
  }
  ::closedir(dir);
  std::sort(names.begin(), names.end());
  return names;
}

Expected<ProcessResult> RealHost::Run(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Fail("no command given");
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC)) {
    return Fail(fmt::format("could not create pipes: {}", std::strerror(errno)));
  }
  auto pid = Spawn(spec, in[0], out[1], err[1]);
  for (int fd : {in[0], out[1], err[1]}) ::close(fd);
  if (!pid) {
    for (int fd : {in[1], out[0], err[0]}) ::close(fd);
    auto [in_cwd, error] = pid.error();
    const std::string& what = in_cwd == 0 ? spec.cwd : spec.argv[0];
    return Fail(fmt::format("{}[Errno {}] {}: '{}'",
                            in_cwd == 0 ? "Unable to change directory before execution: " : "",
                            error, std::strerror(error), what));
  }
  // A child that exits without reading its stdin must only end our writing
  // (EPIPE), not kill the agent.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  ProcessResult result;
  SetRunningGroup(*pid);
  PumpPipes(in[1], out[0], err[0], spec.stdin_data.value_or(""), result);
  // Cleared before the child is reaped, while its group id cannot be reused.
  SetRunningGroup(0);
  ::sigaction(SIGPIPE, &previous, nullptr);
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return result;
}

std::optional<std::string> RealHost::GetEnv(const std::string& name) {
  const char* value = ::getenv(name.c_str());
  if (!value) return std::nullopt;
  return std::string(value);
}

std::map<std::string, std::string> RealHost::Environment() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string_view::npos) out[std::string(entry.substr(0, eq))] = entry.substr(eq + 1);
  }
  return out;
}

int64_t RealHost::NowMicros() {
  timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

uid_t RealHost::EffectiveUid() { return ::geteuid(); }
gid_t RealHost::EffectiveGid() { return ::getegid(); }

}  // namespace tend
