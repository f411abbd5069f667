#include "modules/real_host.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

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
[[noreturn]] void ExecChild(const ProcessSpec& spec, int in_fd, int out_fd, int err_fd,
                            int error_fd) {
  ::dup2(in_fd, 0);
  ::dup2(out_fd, 1);
  ::dup2(err_fd, 2);
  ::signal(SIGPIPE, SIG_DFL);
  if (!spec.cwd.empty() && ::chdir(spec.cwd.c_str()) != 0) {
    int report[2] = {0, errno};
    (void)!::write(error_fd, report, sizeof report);
    ::_exit(127);
  }
  for (const auto& [key, value] : spec.env) ::setenv(key.c_str(), value.c_str(), 1);
  std::vector<char*> argv;
  for (const auto& a : spec.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  int report[2] = {1, errno};
  (void)!::write(error_fd, report, sizeof report);
  ::_exit(127);
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
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    pollfd fds[3];
    int n = 0;
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (out_fd >= 0) fds[n++] = {out_fd, POLLIN, 0};
    if (err_fd >= 0) fds[n++] = {err_fd, POLLIN, 0};
    if (::poll(fds, n, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (!fds[i].revents) continue;
      int fd = fds[i].fd;
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
  std::string tmp_template = dir + "/." + BaseName(path) + ".tend-XXXXXX";
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
  int in[2], out[2], err[2], error_pipe[2];
  if (::pipe2(in, O_CLOEXEC) || ::pipe2(out, O_CLOEXEC) || ::pipe2(err, O_CLOEXEC) ||
      ::pipe2(error_pipe, O_CLOEXEC)) {
    return Fail(fmt::format("could not create pipes: {}", std::strerror(errno)));
  }
  pid_t pid = ::fork();
  if (pid < 0) return Fail(fmt::format("could not fork: {}", std::strerror(errno)));
  if (pid == 0) ExecChild(spec, in[0], out[1], err[1], error_pipe[1]);
  for (int fd : {in[0], out[1], err[1], error_pipe[1]}) ::close(fd);
  // A child that exits without reading its stdin must only end our writing
  // (EPIPE), not kill the agent.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &previous);
  ProcessResult result;
  PumpPipes(in[1], out[0], err[0], spec.stdin_data.value_or(""), result);
  ::sigaction(SIGPIPE, &previous, nullptr);
  int report[2] = {0, 0};  // {0 = chdir | 1 = exec, errno}
  ssize_t got = ::read(error_pipe[0], report, sizeof report);
  ::close(error_pipe[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (got == static_cast<ssize_t>(sizeof report)) {
    const std::string& what = report[0] == 0 ? spec.cwd : spec.argv[0];
    return Fail(fmt::format("{}[Errno {}] {}: '{}'",
                            report[0] == 0 ? "Unable to change directory before execution: " : "",
                            report[1], std::strerror(report[1]), what));
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
