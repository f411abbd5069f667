#include "controller/playbook/keyword_use.h"

#include <fmt/format.h>

#include <array>

namespace tend {
namespace {

using enum KeywordUse;

constexpr std::array kKeywords = {
    KeywordRow{"action", kHonoured, "task_action.cc ResolveTaskAction"},
    KeywordRow{"always", kHonoured, "block_loader.cc LoadBlock, host_worker.cc"},
    KeywordRow{"any_errors_fatal", kHonoured, "play_runner.cc (fatal failures)"},
    KeywordRow{"args", kHonoured, "task_action.cc MergeArgsKeyword"},
    KeywordRow{"async", kHonoured, "async_task.cc AsyncSettingsFor, agent/async_start.cc"},
    KeywordRow{"become", kHonoured, "remote_call.cc CallFor"},
    KeywordRow{"become_exe", kHonoured, "remote_call.cc ApplyBecomeKeywords, become.cc WrapCommand"},
    KeywordRow{"become_flags", kHonoured,
               "remote_call.cc ApplyBecomeKeywords, become.cc WrapCommand"},
    KeywordRow{"become_method", kHonoured, "remote_call.cc ApplyBecomeKeywords"},
    KeywordRow{"become_user", kHonoured, "remote_call.cc CallFor"},
    KeywordRow{"block", kHonoured, "block_loader.cc LoadBlock"},
    KeywordRow{"changed_when", kHonoured, "task_runner.cc RunItem"},
    KeywordRow{"check_mode", kHonoured, "remote_call.cc CallFor"},
    KeywordRow{"collections", kHonoured,
               "task_loader.cc WithCollections, module_names.cc ResolveActionName: short module "
               "names search the listed collections, then ansible.legacy"},
    KeywordRow{"connection", kHonoured, "remote_call.cc TargetFor (ansible_connection)"},
    KeywordRow{"debugger", kRefused,
               "tend has no interactive task debugger; remove it or use 'debugger: never'",
               "never"},
    KeywordRow{"delay", kHonoured, "task_runner.cc RunUntil"},
    KeywordRow{"delegate_facts", kHonoured, "task_runner.cc DelegateFacts"},
    KeywordRow{"delegate_to", kHonoured, "remote_call.cc RemoteCalls::Run"},
    KeywordRow{"diff", kHonoured, "remote_call.cc CallFor"},
    KeywordRow{"environment", kHonoured,
               "remote_call.cc RenderEnvironment, agent/serve.cc ScopedEnvironment"},
    KeywordRow{"fact_path", kHonoured, "gather_facts.cc (issue 18, facts)"},
    KeywordRow{"failed_when", kHonoured, "task_runner.cc RunItem"},
    KeywordRow{"force_handlers", kHonoured, "host_worker.cc"},
    KeywordRow{"gather_facts", kHonoured, "host_worker.cc HostWorker::Main"},
    KeywordRow{"gather_subset", kHonoured, "gather_facts.cc (issue 18, facts)"},
    KeywordRow{"gather_timeout", kHonoured, "gather_facts.cc (issue 18, facts)"},
    KeywordRow{"handlers", kHonoured, "play_loader.cc LoadSections"},
    KeywordRow{"hosts", kHonoured, "play_runner.cc PlayHosts"},
    KeywordRow{"ignore_errors", kHonoured, "task_runner.cc IgnoredFor"},
    KeywordRow{"ignore_unreachable", kHonoured, "task_runner.cc IgnoredFor"},
    KeywordRow{"listen", kHonoured, "play_runner.cc IndexHandlers"},
    KeywordRow{"local_action", kHonoured, "task_action.cc ResolveTaskAction"},
    KeywordRow{"loop", kHonoured, "loops.cc"},
    KeywordRow{"loop_control", kHonoured, "loops.cc"},
    KeywordRow{"max_fail_percentage", kHonoured, "play_runner.cc"},
    KeywordRow{"module_defaults", kHonoured, "task_runner.cc RenderArgs"},
    KeywordRow{"name", kHonoured, "reporter.cc (banners)"},
    KeywordRow{"no_log", kHonoured, "task_runner.cc Report"},
    KeywordRow{"notify", kHonoured, "host_worker.cc Notify"},
    KeywordRow{"order", kHonoured, "play_runner.cc OrderHosts"},
    KeywordRow{"poll", kHonoured, "async_task.cc PollAsyncJob"},
    KeywordRow{"port", kHonoured, "remote_call.cc TargetFor (ansible_port)"},
    KeywordRow{"post_tasks", kHonoured, "play_loader.cc LoadSections"},
    KeywordRow{"pre_tasks", kHonoured, "play_loader.cc LoadSections"},
    KeywordRow{"register", kHonoured, "host_worker.cc ApplyRegister"},
    KeywordRow{"remote_user", kHonoured, "remote_call.cc TargetFor (ansible_user)"},
    KeywordRow{"rescue", kHonoured, "block_loader.cc LoadBlock, host_worker.cc"},
    KeywordRow{"retries", kHonoured, "task_runner.cc RunUntil"},
    KeywordRow{"roles", kHonoured, "play_loader.cc LoadRoles"},
    KeywordRow{"run_once", kHonoured, "host_worker.cc"},
    KeywordRow{"serial", kHonoured, "play_runner.cc SerialBatches"},
    KeywordRow{"strategy", kHonoured, "play_runner.cc (linear or free)"},
    KeywordRow{"tags", kHonoured, "executor.cc TagsSelect"},
    KeywordRow{"tasks", kHonoured, "play_loader.cc LoadSections"},
    KeywordRow{"throttle", kHonoured, "remote_call.cc ThrottleFor"},
    KeywordRow{"timeout", kHonoured, "remote_call.cc TimeoutSeconds (a deadline per call)"},
    KeywordRow{"until", kHonoured, "task_runner.cc RunUntil"},
    KeywordRow{"vars", kHonoured, "host_state.cc TaskScope"},
    KeywordRow{"vars_files", kHonoured, "play_runner.cc PrepareVars"},
    KeywordRow{"vars_prompt", kHonoured, "play_runner.cc PrepareVars"},
    KeywordRow{"when", kHonoured, "task_runner.cc CheckWhen"},
};

}  // namespace

std::span<const KeywordRow> KeywordUses() { return kKeywords; }

const KeywordRow* FindKeywordUse(std::string_view keyword) {
  for (const auto& row : kKeywords) {
    if (keyword == row.keyword) return &row;
  }
  return nullptr;
}

Expected<void> RefuseUnsupportedKeywords(const YamlSource& src, const Json& mapping,
                                         const std::string& ptr) {
  if (!mapping.is_object()) return {};
  for (const auto& [key, value] : mapping.items()) {
    const KeywordRow* row = FindKeywordUse(key);
    if (row == nullptr || row->use != kRefused) continue;
    if (row->accepted_value != nullptr && value.is_string() && value == row->accepted_value) {
      continue;
    }
    return Fail(fmt::format("the '{}' keyword is not supported by tend: {}", key, row->note),
                src.At(Pointer(ptr, key)));
  }
  return {};
}

}  // namespace tend
