#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "core/error.h"

namespace tend::lab {

Expected<std::string> ReadFile(const std::string& path);

/// Writes `content` atomically (temp file in the same directory, fsync, rename).
Expected<void> WriteFile(const std::string& path, std::string_view content, mode_t mode = 0644);

/// mkdir -p; existing directories are left as they are.
Expected<void> MakeDirs(const std::string& path, mode_t mode = 0755);

bool PathExists(const std::string& path);

/// An exclusive flock(2) on a lock file, held until destruction. Locks die with
/// the process, so a crashed `tend` never leaves a lab locked.
class FileLock {
 public:
  static Expected<FileLock> Acquire(const std::string& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

/// The last `lines` lines of `text` with terminal colour codes removed, each
/// indented by four spaces, for error messages that quote a log.
std::string LogTail(std::string_view text, size_t lines);

/// `text` without ANSI escape sequences (systemd colours its boot messages).
std::string StripAnsi(std::string_view text);

}  // namespace tend::lab
