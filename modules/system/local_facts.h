#pragma once

#include <string>
#include <vector>

#include "core/json.h"
#include "modules/host/host.h"

namespace tend {

/// `ansible_local`: each `*.fact` file of `fact_path` (sorted), run when
/// executable and read otherwise, as JSON or else INI; a file that fails
/// gives its error text as the value and a warning, as Ansible's does.
Json ReadLocalFacts(Host& host, const std::string& fact_path, std::vector<std::string>& warnings);

}  // namespace tend
