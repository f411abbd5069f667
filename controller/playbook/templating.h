#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "controller/template/template.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// What the executor asks of the template engine for one (host, task, item).
/// The real implementation wraps a Templar (templating_jinja.cc); executor
/// tests use a small fake, so they do not depend on the whole engine.
class TaskTemplar {
 public:
  virtual ~TaskTemplar() = default;
  /// Templates every string in `value`; single expressions keep native types.
  virtual Expected<Json> RenderValue(const Json& value, std::string_view where) = 0;
  /// A raw `when:`-style expression.
  virtual Expected<bool> Condition(std::string_view expression, std::string_view where) = 0;
  /// Renders a template file found on `search_paths` (the `template` module).
  virtual Expected<std::string> RenderFile(const std::string& path) = 0;
  /// `query(lookup, *terms)`: how `with_<lookup>` loops get their items.
  virtual Expected<Json> Query(const std::string& lookup, const Json& terms) = 0;
};

struct TemplarContext {
  /// Searched for relative lookups and template sources: role templates/ and
  /// files/, the role, the playbook dir.
  std::vector<std::string> search_paths;
};

using TemplarFactory =
    std::function<std::unique_ptr<TaskTemplar>(const Scope& scope, const TemplarContext& context)>;

/// The real engine (controller/template).
TemplarFactory JinjaTemplarFactory(TemplarHooks hooks = {});

}  // namespace tend
