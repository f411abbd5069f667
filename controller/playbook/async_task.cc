#include "controller/playbook/async_task.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "controller/playbook/module_names.h"
#include "controller/playbook/task_result.h"
#include "modules/framework/registry.h"

namespace tend {
namespace {

Expected<std::optional<int64_t>> WholeNumber(const Json& value, TaskTemplar& templar,
                                             const Task& task, const char* keyword) {
  if (value.is_null()) return std::nullopt;
  auto r = templar.RenderValue(value, WhereText(task, keyword));
  if (!r) return std::unexpected(r.error());
  if (r->is_number_integer()) return r->get<int64_t>();
  if (r->is_string()) {
    const std::string& s = r->get_ref<const std::string&>();
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0') return v;
  }
  return Fail(fmt::format("'{}' must be a whole number of seconds, got {}", keyword, r->dump()),
              task.where);
}

}  // namespace

Expected<std::optional<AsyncSettings>> AsyncSettingsFor(const Task& task, TaskTemplar& templar) {
  auto seconds = WholeNumber(task.async, templar, task, "async");
  if (!seconds) return std::unexpected(seconds.error());
  if (!*seconds || **seconds <= 0) return std::nullopt;
  auto poll = WholeNumber(task.poll, templar, task, "poll");
  if (!poll) return std::unexpected(poll.error());
  AsyncSettings settings;
  settings.seconds = **seconds;
  if (*poll) settings.poll = std::max<int64_t>(**poll, 0);
  return settings;
}

bool SupportsAsync(std::string_view action) {
  const ActionEntry* entry = FindAction(action);
  if (entry == nullptr || !entry->Has(kAgentModule) || entry->Has(kControllerHalf)) return false;
  return action != "raw" && action != "script";
}

Json PollAsyncJob(const AsyncSettings& settings, const std::string& jid,
                  const std::function<Json(const Json& args)>& status,
                  const std::function<void(int64_t seconds)>& sleep) {
  Json result;
  int64_t step = std::max<int64_t>(settings.poll, 1);
  for (int64_t left = settings.seconds; left > 0; left -= step) {
    sleep(step);
    result = status(Json{{"jid", jid}});
    if (result.value("finished", Json(0)) == 1 || result.value("unreachable", false)) break;
  }
  if (result.value("finished", Json(0)) != 1) {
    return Json{{"changed", false},
                {"failed", true},
                {"msg", fmt::format("async task did not complete within the requested time - {}s",
                                    settings.seconds)},
                {"async_result", result}};
  }
  status(Json{{"jid", jid}, {"mode", "cleanup"}});
  return result;
}

}  // namespace tend
