#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

struct Role;

/// One task, handler or block after loading. Keyword values that may hold
/// templates stay as Json and are evaluated per host when the task runs.
struct Task {
  std::string name;
  /// Canonical module or action name ("file", "debug", "include_tasks"); empty for blocks.
  /// A module only Ansible knows keeps the name as written; `action: "{{ x }}"`
  /// keeps the template, rendered when the task runs.
  std::string action;
  Json args = Json::object();
  /// Argument text the loader could not read (unbalanced quotes): the task
  /// fails with it on each host that runs it, as arguments its module
  /// rejects do (docs/ansible-compat.md, "Load-time checks").
  std::optional<Error> args_error;
  Json vars = Json::object();
  std::vector<std::string> when;  // ANDed raw expressions
  Json loop;                      // null when the task has no loop
  std::string loop_kind;          // "loop", "items", "dict", "fileglob", ...
  Json loop_control = Json::object();
  std::string register_as;
  std::vector<std::string> notify;
  std::vector<std::string> listen;
  std::vector<std::string> tags;
  std::vector<std::string> changed_when;
  std::vector<std::string> failed_when;
  std::vector<std::string> until;
  Json retries;
  Json delay;
  Json ignore_errors;
  Json ignore_unreachable;
  Json delegate_to;
  Json delegate_facts;
  Json run_once;
  Json check_mode;
  Json diff;
  Json no_log;
  Json environment;
  Json become;
  Json become_user;
  Json become_method;
  Json become_flags;
  Json become_exe;
  Json connection;   // ansible_connection unless the host's vars set it
  Json remote_user;  // ansible_user unless the host's vars set it
  Json port;         // ansible_port unless the host's vars set it
  Json module_defaults;  // over the play's, per module name
  Json throttle;
  Json timeout;  // seconds for each of the task's calls (remote_call.cc TimeoutSeconds)
  Json any_errors_fatal;
  Json async;  // seconds; null or 0 = not async
  Json poll;
  /// The `collections:` search list for short module names in effect here
  /// (the task's, its block's, its play's; in a role, its meta/main.yml's).
  std::vector<std::string> collections;

  bool is_block = false;
  std::vector<Task> block;
  std::vector<Task> rescue;
  std::vector<Task> always;

  /// The role whose tasks/handlers this came from, if any.
  const Role* role = nullptr;
  /// Where the task is defined, for messages and `--list-tasks`.
  Location where;
  /// The file that holds the task: relative include paths resolve beside it.
  std::string file;

  /// "role : name", as banners show it; falls back to the action.
  std::string DisplayName() const;
};

/// A role as loaded from `roles/NAME`.
struct Role {
  std::string name;
  std::string path;
  Json defaults = Json::object();
  Json vars = Json::object();
  Json params = Json::object();  // role params from the play's `roles:` entry
  std::vector<Task> tasks;
  std::vector<Task> handlers;
  std::vector<std::string> tags;  // tags from the `roles:` entry, inherited by its tasks
  bool allow_duplicates = false;
  Json dependencies = Json::array();  // meta/main.yml's
  /// meta/main.yml's `collections:`: a role does not search its play's.
  std::vector<std::string> collections;
};

/// `vars_prompt` entries; prompts are answered from extra vars or stdin.
struct VarPrompt {
  std::string name;
  std::string prompt;
  Json default_value;
  bool is_private = true;
};

struct Play {
  std::string name;
  std::string hosts;
  Json vars = Json::object();
  std::vector<std::string> vars_files;
  std::vector<VarPrompt> vars_prompt;
  Json gather_facts;  // null: as ansible.cfg `gathering` says (ExecOptions)
  Json gather_subset;
  Json gather_timeout;
  Json fact_path;
  Json become;
  Json become_user;
  Json become_method;
  Json remote_user;
  Json connection;
  Json serial;
  std::string strategy = "linear";
  std::string order = "inventory";
  Json max_fail_percentage;
  bool any_errors_fatal = false;
  bool ignore_unreachable = false;
  bool force_handlers = false;
  Json environment;
  Json module_defaults = Json::object();
  std::vector<std::string> tags;
  Json check_mode;
  Json diff;
  Json no_log;
  Json throttle;

  std::vector<Task> pre_tasks;
  /// Role tasks (in dependency order) then `tasks:`, as one list.
  std::vector<Task> tasks;
  std::vector<Task> post_tasks;
  /// Role handlers first, then the play's own: the definition order handlers run in.
  std::vector<Task> handlers;
  std::vector<std::shared_ptr<Role>> roles;

  /// The play's keywords that reach its tasks (become, port, environment,
  /// ...), as a task; the implicit fact gathering runs with them too.
  Task keywords;

  std::string playbook_dir;
  Location where;
};

struct Playbook {
  std::string path;
  std::vector<Play> plays;
};

}  // namespace tend
