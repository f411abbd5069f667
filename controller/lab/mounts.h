#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace tend::lab {

/// One line of /proc/<pid>/mountinfo, the fields the lab needs.
struct MountEntry {
  std::string mount_point;  // unescaped (\040 → space)
  std::string fs_type;
  std::string source;
  std::string super_options;  // for overlays: lowerdir=…,upperdir=…,workdir=…
};

/// Parses mountinfo text; malformed lines are skipped.
std::vector<MountEntry> ParseMountInfo(std::string_view text);

/// True when `path` is `dir` or lies beneath it (component-wise, not by prefix).
bool PathIsUnder(std::string_view path, std::string_view dir);

/// Mounts whose mount point lies under `dir`, or whose options name a path under
/// it (an overlay seen from inside a container shows its upperdir there),
/// deepest mount point first.
std::vector<MountEntry> MountsReferencing(const std::vector<MountEntry>& mounts,
                                          std::string_view dir);

/// A mount that refers to `dir`, seen by process `pid` (in any mount namespace).
struct ForeignMount {
  int pid;
  MountEntry mount;
};

/// Scans the mount table of every mount namespace on the machine (one process
/// per namespace) for mounts that refer to `dir`. Host overlays are mounted in
/// private namespaces, so /proc/self/mountinfo alone would not see them.
std::vector<ForeignMount> FindMountsAnywhere(const std::string& dir);

/// Deletes `dir` and everything below it without ever following a symlink or
/// crossing into another filesystem. Refuses (and deletes nothing) while any
/// namespace still has something mounted under it.
Expected<void> RemoveTreeSafely(const std::string& dir);

}  // namespace tend::lab
