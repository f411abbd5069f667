#pragma once

// Reading a user's input file (inventory, playbook, vars file) whole, with a
// size bound: `-i /dev/zero` or a runaway generated file must give a clear
// error, not eat the machine's memory (issue 21).

#include <cstddef>
#include <string>

#include "core/error.h"

namespace tend {

/// The largest input file tend reads whole: far above real inventories,
/// playbooks and vars files (a 50 MB vars file is large).
inline constexpr size_t kMaxInputFileBytes = size_t{256} << 20;

/// The contents of `path`; an error naming the file when it cannot be read or
/// holds more than `max_bytes` (devices and pipes included: it stops reading).
Expected<std::string> ReadInputFile(const std::string& path,
                                    size_t max_bytes = kMaxInputFileBytes);

}  // namespace tend
