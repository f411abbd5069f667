#pragma once

// The Host seam: everything a module does to the machine goes through it, so
// module logic runs unchanged against the real system (RealHost) and against
// an in-memory one that records every change (FakeHost, for idempotence and
// check-mode tests).

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/hash.h"

namespace tend {

enum class FileKind { kMissing, kFile, kDirectory, kLink, kOther };

struct FileInfo {
  FileKind kind = FileKind::kMissing;
  uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky (07777)
  uid_t uid = 0;
  gid_t gid = 0;
  uint64_t size = 0;
  int64_t mtime = 0;  // seconds since the epoch
  int64_t atime = 0;
  int64_t ctime = 0;
  uint64_t inode = 0;
  uint64_t device = 0;
  uint64_t nlink = 0;
  std::string link_target;  // for kLink (when not followed)

  bool exists() const { return kind != FileKind::kMissing; }
};

/// Final attributes of a written file; unset ones are left as the system
/// makes them (new files: 0644 minus umask, the agent's user and group).
struct FileAttrs {
  std::optional<uint32_t> mode{};
  std::optional<uid_t> uid{};
  std::optional<gid_t> gid{};
};

/// Yields content in chunks: each call appends the next chunk through `emit`
/// (the controller's kData frames, or one string). Used so a 1 GiB file moves
/// with bounded memory.
using ContentSource =
    std::function<Expected<void>(const std::function<Expected<void>(std::string_view)>& emit)>;

/// A ContentSource over a string held in memory.
ContentSource StringSource(std::string content);

struct ProcessSpec {
  std::vector<std::string> argv{};
  std::optional<std::string> stdin_data{};
  std::string cwd{};  // empty: inherit
  /// Added to (or replacing in) the inherited environment.
  std::map<std::string, std::string> env{};
};

struct ProcessResult {
  int rc = 0;
  std::string stdout_data;
  std::string stderr_data;
};

/// One line of /etc/passwd.
struct PasswdEntry {
  std::string name;
  std::string password;
  uid_t uid = 0;
  gid_t gid = 0;
  std::string gecos;
  std::string home;
  std::string shell;
};

/// One line of /etc/group.
struct GroupEntry {
  std::string name;
  std::string password;
  gid_t gid = 0;
  std::vector<std::string> members;
};

/// Parses /etc/passwd content; malformed lines are skipped (as libc does).
std::vector<PasswdEntry> ParsePasswd(std::string_view content);
/// Parses /etc/group content; malformed lines are skipped.
std::vector<GroupEntry> ParseGroup(std::string_view content);
/// One /etc/shadow line's fields tend reads.
struct ShadowEntry {
  /// The hash; a leading '!' means the password is locked.
  std::string password;
  /// Days since 1970-01-01 on which the account expires; -1 when the field is empty.
  int64_t expire_days = -1;
  /// Minimum and maximum password age in days; -1 when the field is empty.
  int64_t min_days = -1;
  int64_t max_days = -1;
};

/// Parses /etc/shadow into name -> entry; malformed lines are skipped.
std::map<std::string, ShadowEntry> ParseShadow(std::string_view content);

class Host {
 public:
  virtual ~Host() = default;

  // Files. Paths are absolute; errors carry strerror text.
  /// Lstat (follow=false) or stat; a missing path is kind kMissing, not an error.
  virtual Expected<FileInfo> Stat(const std::string& path, bool follow = true) = 0;
  virtual Expected<std::string> ReadFile(const std::string& path) = 0;
  /// Streams a file's content in chunks (checksums without holding it all).
  virtual Expected<void> ReadFileChunks(const std::string& path,
                                        const std::function<void(std::string_view)>& sink);
  /// Hex digest of a file's content (Ansible's `checksum` is SHA-1).
  virtual Expected<std::string> FileChecksum(const std::string& path,
                                             HashAlgorithm algorithm = HashAlgorithm::kSha1);
  /// Writes atomically: a temporary file in the same directory, fsync, final
  /// mode and owner, then rename over `path`. A failure leaves `path` as it was.
  virtual Expected<void> WriteFileAtomic(const std::string& path, const ContentSource& content,
                                         const FileAttrs& attrs) = 0;
  virtual Expected<void> MakeDirectory(const std::string& path, uint32_t mode) = 0;
  /// Removes a file, link or empty directory.
  virtual Expected<void> Remove(const std::string& path) = 0;
  /// Removes a path and everything under it.
  virtual Expected<void> RemoveTree(const std::string& path) = 0;
  virtual Expected<void> Chmod(const std::string& path, uint32_t mode) = 0;
  /// Changes owner and/or group of `path` itself (not a link's target).
  virtual Expected<void> Chown(const std::string& path, std::optional<uid_t> uid,
                               std::optional<gid_t> gid) = 0;
  virtual Expected<void> Symlink(const std::string& target, const std::string& path) = 0;
  virtual Expected<void> HardLink(const std::string& target, const std::string& path) = 0;
  virtual Expected<void> Rename(const std::string& from, const std::string& to) = 0;
  /// Sets access and modification times (seconds since the epoch).
  virtual Expected<void> SetTimes(const std::string& path, int64_t atime, int64_t mtime) = 0;
  /// Names in a directory, sorted, without "." and "..".
  virtual Expected<std::vector<std::string>> ListDirectory(const std::string& path) = 0;

  // Processes.
  /// Runs argv[0] (searched in PATH when it has no slash) and waits.
  /// Failing to start is an error; a non-zero exit is a result.
  virtual Expected<ProcessResult> Run(const ProcessSpec& spec) = 0;

  // Users and groups, read from /etc/passwd and /etc/group (never NSS: the
  // agent is static).
  Expected<std::vector<PasswdEntry>> Users();
  Expected<std::vector<GroupEntry>> Groups();
  Expected<std::optional<PasswdEntry>> FindUser(std::string_view name);
  Expected<std::optional<GroupEntry>> FindGroup(std::string_view name);

  // The environment of the agent.
  virtual std::optional<std::string> GetEnv(const std::string& name) = 0;
  virtual std::map<std::string, std::string> Environment() = 0;
  /// Microseconds since the epoch (for start/end/delta and backup names).
  virtual int64_t NowMicros() = 0;
  virtual uid_t EffectiveUid() = 0;
  virtual gid_t EffectiveGid() = 0;
};

/// Resolves a user name or numeric id to a uid, via /etc/passwd.
Expected<uid_t> ResolveUid(Host& host, const std::string& owner);
/// Resolves a group name or numeric id to a gid, via /etc/group.
Expected<gid_t> ResolveGid(Host& host, const std::string& group);

}  // namespace tend
