#pragma once

// Ansible's module argument protocol, both ways: the `_ansible_*` settings
// its action plugin adds to a module's arguments (_update_module_args in
// ansible-core 2.14), and the cleaning its _execute_module does to what the
// module returns.

#include <string>
#include <vector>

#include "core/json.h"

namespace tend {

struct ModuleRunSettings {
  std::string module_name;  // as the task names it
  bool check = false;
  bool diff = false;
  bool no_log = false;
  int verbosity = 0;
  std::string ansible_version;  // of the ansible-core the code comes from
  std::string syslog_facility = "LOG_USER";
  std::string remote_tmp = "~/.ansible/tmp";
};

/// `args` with the `_ansible_*` keys Ansible sends. `_ansible_tmpdir` is
/// filled in on the host (the agent makes the task's tmp dir).
Json AnsibleModuleArgs(Json args, const ModuleRunSettings& settings);

/// What Ansible does to a module's return before the task sees it: internal
/// `_ansible_*` keys and empty warnings/deprecations dropped, a `results`
/// that is not a list renamed `ansible_module_results`, `stdout_lines` and
/// `stderr_lines` added, interpreter-discovery facts dropped. `warnings`
/// gets a line for each key removed.
Json CleanModuleResult(Json result);

/// The interpreters to try on the host: `ansible_python_interpreter` when it
/// names one, else Ansible's discovery order for Python 3.
std::vector<std::string> InterpreterCandidates(const Json& python_interpreter);

/// The version in ansible-core's release.py text (`__version__ = '2.14.18'`).
std::string AnsibleVersionFromRelease(const std::string& release_py);

}  // namespace tend
