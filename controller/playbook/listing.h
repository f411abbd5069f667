#pragma once

#include <string>
#include <vector>

#include "controller/playbook/executor.h"
#include "controller/playbook/model.h"

namespace tend {

/// `--list-hosts`, `--list-tasks` and `--list-tags` text, as ansible-playbook prints it.
Expected<std::string> ListPlaybook(const Playbook& book, HostCatalog& hosts, bool list_hosts,
                                   bool list_tasks, bool list_tags,
                                   const std::vector<std::string>& only,
                                   const std::vector<std::string>& skip);

}  // namespace tend
