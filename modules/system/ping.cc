#include <stdexcept>

#include "modules/framework/all.h"

namespace tend {

const ModuleSpec& PingSpec() {
  static const ModuleSpec spec{
      .name = "ping",
      .short_description = "Try to connect to host, verify a usable agent and return pong",
      .args = {{.name = "data", .type = ArgType::kStr, .default_value = "pong"}},
      .returns = {"ping"},
  };
  return spec;
}

Expected<Json> RunPing(ModuleContext& context) {
  std::string data = context.Str("data", "pong");
  // As in Ansible: lets tests exercise the failure path of a module.
  if (data == "crash") throw std::runtime_error("boom");
  return Json{{"changed", false}, {"ping", data}};
}

}  // namespace tend
