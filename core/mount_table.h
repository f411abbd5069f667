#pragma once

#include <string>
#include <string_view>
#include <vector>

// The kernel's mount tables as text: /proc/<pid>/mountinfo and /proc/mounts
// (fstab format). Pure parsers; the callers read the files.

namespace tend {

/// One mounted filesystem. Paths and sources are unescaped (the kernel writes
/// space, tab, newline and backslash as \040, \011, \012, \134).
struct MountTableEntry {
  int id = 0;         // mountinfo only
  int parent_id = 0;  // mountinfo only
  std::string root;   // mountinfo only: the directory of the filesystem mounted here
  std::string mount_point;
  std::string options;  // per-mount options ("rw,relatime")
  std::string fs_type;
  std::string source;
  std::string super_options;  // mountinfo only; for overlays: lowerdir=…,upperdir=…
};

/// "id parent major:minor root mount-point options [optional...] - type source super",
/// one mount per line, in the kernel's order; malformed lines are skipped.
std::vector<MountTableEntry> ParseMountInfo(std::string_view text);

/// "source mount-point type options dump pass" (/proc/mounts, /etc/mtab); lines
/// with fewer than four fields are skipped.
std::vector<MountTableEntry> ParseProcMounts(std::string_view text);

/// Decodes the kernel's octal escapes (\040 and the like) in one field.
std::string UnescapeMountField(std::string_view field);

}  // namespace tend
