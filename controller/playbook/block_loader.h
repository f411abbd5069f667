#pragma once

#include <string>

#include "controller/playbook/model.h"
#include "controller/playbook/task_loader.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// A `block:` with its `rescue:` and `always:` lists; the block's keywords
/// are handed down to every task inside it.
Expected<Task> LoadBlock(TaskLoader& tasks, const TaskContext& ctx, const Json& t,
                         const std::string& ptr);

}  // namespace tend
