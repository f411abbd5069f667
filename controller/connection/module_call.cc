#include "controller/connection/module_call.h"

#include <fmt/format.h>

namespace tend {

// Ansible's TaskTimeoutError text (task_executor.py), action as written.
std::string TimedOutMessage(const CallDeadline& deadline) {
  return fmt::format(
      "The {} action failed to execute in the expected time frame ({}) and was terminated",
      deadline.action, deadline.seconds);
}

}  // namespace tend
