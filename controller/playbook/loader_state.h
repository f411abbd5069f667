#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "controller/playbook/loader.h"
#include "controller/playbook/model.h"
#include "core/error.h"

namespace tend {

/// What the parts of the playbook loader share: the options, the playbook's
/// directory, the files being loaded (to refuse recursion) and the task files
/// already parsed, which run-time includes reuse across hosts.
struct LoaderState {
  LoadOptions options;
  std::string playbook_dir;
  std::vector<std::string> file_stack;
  std::mutex mutex;  // guards the caches during run-time includes
  std::map<std::string, std::unique_ptr<std::vector<Task>>> task_cache;
  std::vector<std::shared_ptr<Role>> runtime_roles;
  std::vector<std::string> warnings;
  std::set<std::string> warned;

  /// Pushes `path` on the file stack; a file already on it is "recursive {what}".
  Expected<void> Enter(const std::string& path, const Location& where, const char* what);
  void Leave() { file_stack.pop_back(); }

  /// A problem Ansible reports only when the task runs: an error under
  /// --syntax-check, otherwise a warning (once per text) and no error.
  Expected<void> Defer(const Error& problem);
};

/// The key a task file is cached under.
std::string CanonicalPath(const std::string& path);

}  // namespace tend
