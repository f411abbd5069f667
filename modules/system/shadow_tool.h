#pragma once

// Running one of shadow-utils' tools (useradd, usermod, userdel, chage,
// groupadd, groupmod, groupdel) for the user and group modules.

#include <string>
#include <vector>

#include "core/error.h"
#include "modules/host/host.h"

namespace tend {

/// Runs argv; a non-zero exit is an error naming the tool, its rc and stderr.
Expected<ProcessResult> RunShadowTool(Host& host, std::vector<std::string> argv);

}  // namespace tend
