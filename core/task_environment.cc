#include "core/task_environment.h"

#include <fmt/format.h>

namespace tend {

void PutEnvironment(Json& args, const TaskEnvironment& environment) {
  if (!environment.empty()) args[std::string(kEnvironmentArg)] = environment;
}

Expected<TaskEnvironment> TakeEnvironment(Json& args) {
  TaskEnvironment out;
  auto it = args.find(std::string(kEnvironmentArg));
  if (it == args.end()) return out;
  Json value = std::move(*it);
  args.erase(it);
  if (!value.is_object()) return Fail("protocol error: the task's environment must be an object");
  for (const auto& [name, text] : value.items()) {
    if (!text.is_string()) {
      return Fail(fmt::format("protocol error: environment variable '{}' must be a string", name));
    }
    out[name] = text.get<std::string>();
  }
  return out;
}

}  // namespace tend
