#include "modules/framework/module.h"

#include <exception>

namespace tend {

std::string ModuleContext::Str(const char* name, std::string fallback) const {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool ModuleContext::Bool(const char* name, bool fallback) const {
  auto it = args.find(name);
  if (it == args.end() || it->is_null()) return fallback;
  return ParseBool(*it).value_or(fallback);
}

int64_t ModuleContext::Int(const char* name, int64_t fallback) const {
  auto it = args.find(name);
  if (it == args.end() || !it->is_number()) return fallback;
  return it->get<int64_t>();
}

Expected<Network*> ModuleContext::Net() const {
  if (network == nullptr) return Fail("no network in this module's context");
  return network;
}

bool ModuleContext::Has(const char* name) const {
  auto it = args.find(name);
  return it != args.end() && !it->is_null();
}

Json FailedResult(std::string msg, Json extra) {
  Json out{{"changed", false}, {"failed", true}, {"msg", std::move(msg)}};
  for (const auto& [key, value] : extra.items()) out[key] = value;
  return out;
}

Json RunModule(const Module& module, ModuleContext& context) {
  const ModuleSpec& spec = module.spec();
  auto args = ValidateArgs(spec, context.args);
  if (!args) return FailedResult(args.error().message);
  context.args = std::move(*args);
  if (context.check && !spec.supports_check_mode) {
    return Json{{"changed", false},
                {"skipped", true},
                {"msg", "remote module (" + spec.name + ") does not support check mode"}};
  }
  try {
    auto result = module.run(context);
    if (!result) return FailedResult(result.error().ToString());
    if (!result->contains("changed")) (*result)["changed"] = false;
    return std::move(*result);
  } catch (const std::exception& e) {
    // Ansible's shape for a module that crashed: the error is in module_stderr
    // (Python's last traceback line there is "Exception: <what>") and rc is 1.
    Json failed = FailedResult("MODULE FAILURE: module " + spec.name + " raised an exception: " + e.what());
    failed["module_stdout"] = "";
    failed["module_stderr"] = std::string("Exception: ") + e.what() + "\n";
    failed["rc"] = 1;
    return failed;
  }
}

}  // namespace tend
