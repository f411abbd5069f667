#pragma once

#include <string>
#include <string_view>

#include "controller/playbook/model.h"

namespace tend {

/// A controller-side file a task names (template src, copy src, script,
/// include_vars file), searched as Ansible's path_dwim_relative_stack does:
/// absolute as given; else under the role's `role_dir`/ and the role itself,
/// the task file's `role_dir`/ and directory, then the playbook's. "" when
/// none exists.
std::string FindLocalFile(const Task& task, const std::string& playbook_dir,
                          const std::string& name, std::string_view role_dir);

}  // namespace tend
