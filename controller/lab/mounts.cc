#include "controller/lab/mounts.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "controller/lab/files.h"
#include "core/mount_table.h"

namespace tend::lab {
namespace {

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (end > pos) fields.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return fields;
}

// True when an option value (e.g. "upperdir=/x/upper" or "lowerdir=/a:/b")
// names a path under `dir`.
bool OptionsReference(std::string_view options, std::string_view dir) {
  std::string text(options);
  std::replace(text.begin(), text.end(), ',', ' ');
  std::replace(text.begin(), text.end(), ':', ' ');
  for (auto field : SplitFields(text)) {
    size_t eq = field.find('=');
    std::string_view value = eq == std::string_view::npos ? field : field.substr(eq + 1);
    if (!value.empty() && value[0] == '/' && PathIsUnder(UnescapeMountField(value), dir)) return true;
  }
  return false;
}

}  // namespace

std::vector<MountEntry> ParseMountInfo(std::string_view text) {
  std::vector<MountEntry> mounts;
  for (auto& m : tend::ParseMountInfo(text)) {
    mounts.push_back(MountEntry{std::move(m.mount_point), std::move(m.fs_type), std::move(m.source),
                                std::move(m.super_options)});
  }
  return mounts;
}

bool PathIsUnder(std::string_view path, std::string_view dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.remove_suffix(1);
  if (dir == "/") return !path.empty() && path[0] == '/';
  if (path.substr(0, dir.size()) != dir) return false;
  return path.size() == dir.size() || path[dir.size()] == '/';
}

std::vector<MountEntry> MountsReferencing(const std::vector<MountEntry>& mounts,
                                          std::string_view dir) {
  std::vector<MountEntry> found;
  for (const auto& m : mounts) {
    if (PathIsUnder(m.mount_point, dir) || OptionsReference(m.super_options, dir)) {
      found.push_back(m);
    }
  }
  std::stable_sort(found.begin(), found.end(), [](const MountEntry& a, const MountEntry& b) {
    return a.mount_point.size() > b.mount_point.size();
  });
  return found;
}

std::vector<ForeignMount> FindMountsAnywhere(const std::string& dir) {
  std::vector<ForeignMount> found;
  std::set<std::string> seen_namespaces;
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = readdir(proc)) {
    int pid = std::atoi(entry->d_name);
    if (pid <= 0) continue;
    char ns[128] = {};
    std::string ns_link = fmt::format("/proc/{}/ns/mnt", pid);
    ssize_t n = readlink(ns_link.c_str(), ns, sizeof(ns) - 1);
    if (n <= 0 || !seen_namespaces.insert(std::string(ns, n)).second) continue;
    auto text = ReadFile(fmt::format("/proc/{}/mountinfo", pid));
    if (!text) continue;  // the process exited meanwhile
    for (auto& m : MountsReferencing(ParseMountInfo(*text), dir)) {
      found.push_back(ForeignMount{pid, std::move(m)});
    }
  }
  closedir(proc);
  return found;
}

namespace {

// Removes the entries of the open directory `fd` (which lives on `device`),
// then the caller removes the directory itself. Never follows a symlink and
// never descends into a directory on another device (a mount point).
Expected<void> RemoveContents(int fd, dev_t device, const std::string& path) {
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return Fail(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
  }
  std::vector<std::pair<std::string, bool>> entries;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st;
    if (fstatat(dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode) && st.st_dev != device) {
      closedir(d);
      return Fail(fmt::format("refusing to delete {}/{}: it is a mount point", path, name));
    }
    entries.emplace_back(name, S_ISDIR(st.st_mode));
  }
  for (const auto& [name, is_dir] : entries) {
    std::string child = path + "/" + name;
    if (is_dir) {
      int child_fd = openat(dirfd(d), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      if (child_fd < 0) {
        closedir(d);
        return Fail(fmt::format("cannot open {}: {}", child, std::strerror(errno)));
      }
      if (auto r = RemoveContents(child_fd, device, child); !r) {
        closedir(d);
        return r;
      }
    }
    if (unlinkat(dirfd(d), name.c_str(), is_dir ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT) {
      int err = errno;
      closedir(d);
      return Fail(fmt::format("cannot delete {}: {}", child, std::strerror(err)));
    }
  }
  closedir(d);
  return {};
}

}  // namespace

Expected<void> RemoveTreeSafely(const std::string& dir) {
  struct stat st;
  if (lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return {};
    return Fail(fmt::format("cannot delete {}: {}", dir, std::strerror(errno)));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (unlink(dir.c_str()) != 0) {
      return Fail(fmt::format("cannot delete {}: {}", dir, std::strerror(errno)));
    }
    return {};
  }
  auto mounts = FindMountsAnywhere(dir);
  if (!mounts.empty()) {
    const auto& m = mounts.front();
    return Fail(fmt::format("refusing to delete {}: {} ({}) is still mounted (seen by pid {})", dir,
                            m.mount.mount_point, m.mount.fs_type, m.pid));
  }
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  if (fd < 0) return Fail(fmt::format("cannot open {}: {}", dir, std::strerror(errno)));
  if (auto r = RemoveContents(fd, st.st_dev, dir); !r) return r;
  if (rmdir(dir.c_str()) != 0 && errno != ENOENT) {
    return Fail(fmt::format("cannot delete {}: {}", dir, std::strerror(errno)));
  }
  return {};
}

}  // namespace tend::lab
