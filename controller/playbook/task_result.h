#pragma once

#include <string>
#include <string_view>

#include "controller/playbook/model.h"
#include "controller/playbook/reporter.h"
#include "core/json.h"

namespace tend {

/// Whether a worker goes on with the next task or leaves its list.
enum class Flow { kNext, kStop };

/// What one task (or one loop item) came to on one host.
struct TaskOutcome {
  ResultStatus status = ResultStatus::kOk;
  bool ignored = false;
  bool reported = false;
  Json result;
  double seconds = 0;
  /// The FQCN when Ansible's Python code ran the module (issue 19).
  std::string python_module{};
};

/// The result key RemoteCalls marks a Python module's result with; RunItem
/// moves it into TaskOutcome::python_module.
inline constexpr std::string_view kPythonModuleKey = "_tend_python_module";

/// Marks a result whose ansible_facts went to the delegate (delegate_facts);
/// the reporter hides it as it hides Ansible's other _ansible keys.
inline constexpr std::string_view kFactsDelegated = "_ansible_facts_delegated";

/// Python-style truth of a keyword value ("yes", 1, [x] are true).
bool JsonTruthy(const Json& v);

/// A keyword that is set and true.
inline bool StaticTruthy(const Json& v) { return !v.is_null() && JsonTruthy(v); }

/// Removes arguments whose value is the `omit` placeholder.
void DropOmitted(Json& args);

Json SkipResult(const std::string& condition);
Json FailResult(const std::string& msg);

/// unreachable > failed > skipped > changed > ok, as a result reads.
ResultStatus ResultStatusOf(const Json& result);

/// "site.yml:4:7 (when)": where an error in a task's keyword comes from.
std::string WhereText(const Task& task, const char* what);

}  // namespace tend
