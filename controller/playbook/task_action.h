#pragma once

// Which module or action a task runs and with what arguments: the module key
// (`apt:`, `ansible.builtin.copy:`), `action:` or `local_action:`, the
// `with_<lookup>` loop, `args:`, and argument text parsed by the one k=v
// parser (modules/free_form.h).

#include <optional>
#include <string>

#include "controller/playbook/model.h"
#include "controller/playbook/module_names.h"
#include "controller/playbook/yaml_source.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Sets task.action, task.args and a `with_` loop from the task mapping `t`,
/// module names resolved under task.collections (`probe` finds code for
/// FQCNs Debian's list does not know). Unknown keys fail with a "did you
/// mean" for a keyword or a module.
Expected<void> ResolveTaskAction(const YamlSource& src, const Json& t, const std::string& ptr,
                                 Task& task, const ModuleCodeProbe& probe = {});

/// What Ansible reports only when the task runs on a host, found at load
/// time: argument text that cannot be read, a module tend does not
/// implement, arguments without templates that the module's spec rejects
/// (templated ones are checked after rendering). The loader warns about it,
/// or fails under --syntax-check; the task fails when it runs.
std::optional<Error> RunTimeProblem(const Task& task);

}  // namespace tend
