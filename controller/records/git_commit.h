#pragma once

// The git commit a file's working tree is at, read from .git directly (no git
// binary needed): HEAD, a loose ref, or packed-refs; worktrees and
// submodules (a .git file naming the real directory) too.

#include <string>

namespace tend {

/// The commit of the repository holding `path` (a file or directory), or ""
/// when it is in none or the repository cannot be read.
std::string GitCommitOf(const std::string& path);

}  // namespace tend
