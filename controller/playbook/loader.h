#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "controller/playbook/model.h"
#include "controller/playbook/module_names.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

struct LoadOptions {
  /// Extra role search directories (`roles_path`), after `roles/` beside the playbook.
  std::vector<std::string> roles_path;
  /// `--syntax-check`: what Ansible reports only when a task runs (a module
  /// tend does not implement, bad arguments) is an error instead of a warning.
  bool syntax_check = false;
  /// Finds Ansible's code for module names Debian's list does not know
  /// (collections installed on the collections path); unset: none.
  ModuleCodeProbe module_code;
};

/// Reads playbooks, task files and roles into the model. Static imports
/// (import_playbook, import_tasks, import_role) are inlined here; dynamic
/// includes are loaded at run time through the same loader, which caches each
/// file so every host shares one parsed copy. Every error names file:line:col.
class PlaybookLoader {
 public:
  explicit PlaybookLoader(LoadOptions options = {});
  ~PlaybookLoader();

  Expected<Playbook> Load(const std::string& path);

  /// An `include_tasks` file at run time, under the including task's
  /// `collections:` search list; thread-safe.
  Expected<const std::vector<Task>*> IncludeTasks(const std::string& path, const Role* role,
                                                  const Location& where,
                                                  const std::vector<std::string>& collections);
  /// An `include_role` at run time; thread-safe. The role's handlers are not
  /// added to the play (as in Ansible, only imported roles' handlers are).
  Expected<std::shared_ptr<Role>> IncludeRole(const Json& args, const std::string& playbook_dir,
                                              const Location& where);

  /// Warnings about tasks that will fail when they run (RunTimeProblem),
  /// located, each once; taking them clears the list. Thread-safe.
  std::vector<std::string> TakeWarnings();

  /// Finds a relative file the way Ansible does for includes: beside the
  /// including file, in the role's tasks/ dir, in the playbook dir.
  static std::string ResolveTaskFile(const std::string& name, const std::string& including_file,
                                     const Role* role, const std::string& playbook_dir);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// `k=v` text of an action without a module spec (set_fact, include_role,
/// `-e k=v`, ...), read by the one argument parser (modules/free_form.h):
/// unquoted YAML 1.1 booleans become booleans, other values stay strings.
/// Words without `=` are collected in `_raw_params` when `allow_raw` is set,
/// and are an error otherwise.
Expected<Json> ParseKeyValueArgs(std::string_view text, bool allow_raw);

/// "a,b" or ["a", "b"] or 7 → {"a","b"} / {"7"}.
std::vector<std::string> ToStringList(const Json& value, bool split_commas);

}  // namespace tend
