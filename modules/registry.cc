#include "modules/registry.h"

namespace tend {

std::vector<std::string> ModuleNames() { return {}; }

}  // namespace tend
