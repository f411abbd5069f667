#pragma once

#include <string>
#include <vector>

namespace tend {

/// Names of the modules the agent implements, in registration order.
std::vector<std::string> ModuleNames();

}  // namespace tend
