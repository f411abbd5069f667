#include "controller/lab/files.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace tend::lab {

Expected<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  std::string out;
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, n);
  int err = errno;
  close(fd);
  if (n < 0) return Fail(fmt::format("cannot read {}: {}", path, std::strerror(err)));
  return out;
}

Expected<void> WriteFile(const std::string& path, std::string_view content, mode_t mode) {
  std::string tmp = fmt::format("{}.tmp.{}", path, getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return Fail(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      return Fail(fmt::format("cannot write {}: {}", path, std::strerror(err)));
    }
    done += n;
  }
  // The umask must not narrow the mode (private keys are 0600, configs 0644).
  fchmod(fd, mode);
  fsync(fd);
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    return Fail(fmt::format("cannot write {}: {}", path, std::strerror(err)));
  }
  return {};
}

Expected<void> MakeDirs(const std::string& path, mode_t mode) {
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), mode) != 0 && errno != EEXIST) {
      return Fail(fmt::format("cannot create {}: {}", prefix, std::strerror(errno)));
    }
  }
  return {};
}

bool PathExists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

Expected<FileLock> FileLock::Acquire(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Fail(fmt::format("cannot open lock {}: {}", path, std::strerror(errno)));
  while (flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    close(fd);
    return Fail(fmt::format("cannot lock {}: {}", path, std::strerror(err)));
  }
  return FileLock(fd);
}

FileLock::~FileLock() {
  if (fd_ >= 0) close(fd_);
}

std::string StripAnsi(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
      i += 2;
      while (i < text.size() && !(text[i] >= '@' && text[i] <= '~')) ++i;
      continue;
    }
    if (text[i] == '\r') continue;
    out += text[i];
  }
  return out;
}

std::string LogTail(std::string_view text, size_t lines) {
  std::string clean = StripAnsi(text);
  std::vector<std::string_view> all;
  std::string_view rest = clean;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    if (!line.empty()) all.push_back(line);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  size_t first = all.size() > lines ? all.size() - lines : 0;
  std::string out;
  for (size_t i = first; i < all.size(); ++i) {
    if (!out.empty()) out += '\n';
    out += "    ";
    out += all[i];
  }
  return out;
}

}  // namespace tend::lab
