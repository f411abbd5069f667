#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace tend::lab {

/// The full path of `program` from $PATH (plus /usr/sbin and /sbin, which a
/// root shell under sudo may lack), or nothing.
std::optional<std::string> FindProgram(const std::string& program);

struct CommandOptions {
  /// Append stdout and stderr to this file instead of capturing them.
  std::string log_path;
  /// Run in a private mount namespace, so whatever the command mounts
  /// (debootstrap mounts /proc in its target) vanishes when it exits.
  bool private_mounts = false;
};

struct CommandResult {
  int exit_code = 0;   // 128+N when killed by signal N
  std::string output;  // stdout and stderr, unless options.log_path was given
};

/// Runs `argv` (argv[0] a path or a name found in $PATH) and waits for it.
/// Fails only when the command cannot be started; a non-zero exit is a result.
Expected<CommandResult> RunCommand(const std::vector<std::string>& argv,
                                   const CommandOptions& options = {});

/// The start time of `pid` in clock ticks since boot (field 22 of
/// /proc/<pid>/stat), or nothing when it does not exist or is a zombie.
/// With the pid it identifies a process even after its pid is reused.
std::optional<uint64_t> ProcessStartTime(pid_t pid);

/// True while `pid` runs and is still the process that started at `start_time`.
bool IsProcessAlive(pid_t pid, uint64_t start_time);

/// Parses the text of /proc/<pid>/stat: the start time, or nothing for a zombie.
std::optional<uint64_t> ParseStatStartTime(const std::string& stat);

/// errno as text, for messages.
std::string ErrnoText(int err);

}  // namespace tend::lab
