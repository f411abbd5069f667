#include "controller/playbook/task_result.h"

#include <fmt/format.h>

#include "controller/template/template.h"
#include "controller/yaml/yaml.h"

namespace tend {

bool JsonTruthy(const Json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_null()) return false;
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) {
    Json r = ResolvePlainScalar(v.get<std::string>());
    if (r.is_boolean()) return r.get<bool>();
    return !v.get<std::string>().empty();
  }
  return !v.empty();
}

void DropOmitted(Json& args) {
  if (!args.is_object()) return;
  for (auto it = args.begin(); it != args.end();) {
    if (it->is_string() && it->get_ref<const std::string&>() == kOmitPlaceholder)
      it = args.erase(it);
    else
      ++it;
  }
}

Json SkipResult(const std::string& condition) {
  return Json{{"changed", false},
              {"skip_reason", "Conditional result was False"},
              {"false_condition", condition},
              {"skipped", true}};
}

Json FailResult(const std::string& msg) {
  return Json{{"changed", false}, {"failed", true}, {"msg", msg}};
}

ResultStatus ResultStatusOf(const Json& r) {
  if (r.value("unreachable", false)) return ResultStatus::kUnreachable;
  // As Ansible's TaskResult.is_failed: failed_when's verdict, when there is
  // one, decides even after `until` ran out of attempts and set `failed`.
  auto verdict = r.find("failed_when_result");
  bool failed = verdict != r.end() ? JsonTruthy(*verdict) : JsonTruthy(r.value("failed", Json(false)));
  if (failed) return ResultStatus::kFailed;
  if (r.value("skipped", false)) return ResultStatus::kSkipped;
  if (JsonTruthy(r.value("changed", Json(false)))) return ResultStatus::kChanged;
  return ResultStatus::kOk;
}

std::string WhereText(const Task& t, const char* what) {
  return fmt::format("{} ({})", t.where.ToString(), what);
}

}  // namespace tend
