#include "controller/playbook/templating.h"

namespace tend {
namespace {

class JinjaTaskTemplar : public TaskTemplar {
 public:
  JinjaTaskTemplar(const Scope& scope, TemplarHooks hooks) : templar_(scope, std::move(hooks)) {}

  Expected<Json> RenderValue(const Json& value, std::string_view where) override {
    return templar_.RenderValue(value, where);
  }
  Expected<bool> Condition(std::string_view expression, std::string_view where) override {
    return templar_.EvaluateCondition(expression, where);
  }
  Expected<std::string> RenderFile(const std::string& path) override {
    return templar_.RenderFile(path);
  }
  Expected<Json> Query(const std::string& lookup, const Json& terms) override {
    return RunQuery(templar_, lookup, terms);
  }

 private:
  Templar templar_;
};

}  // namespace

TemplarFactory JinjaTemplarFactory(TemplarHooks hooks) {
  return [hooks](const Scope& scope, const TemplarContext& context) {
    TemplarHooks h = hooks;
    h.lookup_context.search_paths = context.search_paths;
    return std::make_unique<JinjaTaskTemplar>(scope, std::move(h));
  };
}

}  // namespace tend
