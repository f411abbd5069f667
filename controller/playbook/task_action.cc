#include "controller/playbook/task_action.h"

#include <fmt/format.h>

#include <vector>

#include "controller/playbook/loader.h"
#include "controller/playbook/module_names.h"
#include "controller/playbook/task_keywords.h"
#include "controller/yaml/yaml.h"
#include "core/suggest.h"
#include "core/strings.h"
#include "modules/framework/free_form.h"
#include "modules/framework/registry.h"

namespace tend {
namespace {

// The key that named the action and the value it was given.
struct ActionEntry {
  std::string key;
  Json value;
};

std::unexpected<Error> UnknownModule(const std::string& name, const Location& where) {
  std::string canonical = CanonicalActionName(name);
  return Fail(
      fmt::format("unknown module '{}'{}", name, SuggestionSuffix(canonical, KnownActionNames())),
      where);
}

std::unexpected<Error> UnknownKey(const YamlSource& s, const std::string& key,
                                  const std::string& ptr, bool has_action) {
  std::string keyword = Suggest(key, TaskKeywords());
  std::string module = Suggest(CanonicalActionName(key), KnownActionNames());
  if (has_action || (!keyword.empty() && module.empty())) {
    return Fail(fmt::format("unknown task keyword '{}'{}", key,
                            keyword.empty() ? "" : ", did you mean '" + keyword + "'?"),
                s.At(ptr));
  }
  return UnknownModule(key, s.At(ptr));
}

std::unexpected<Error> Conflict(const YamlSource& s, const std::string& ptr,
                                const std::string& first, const std::string& second) {
  return Fail(fmt::format("conflicting action statements: {}, {}", first, second),
              s.At(Pointer(ptr, second)));
}

// Module keys and with_<lookup> loops; other keys are unknown.
Expected<ActionEntry> ScanKeys(const YamlSource& s, const Json& t, const std::string& ptr,
                               Task& task, const ModuleCodeProbe& probe) {
  ActionEntry found;
  std::vector<std::string> unknown;
  for (const auto& [key, value] : t.items()) {
    if (key.starts_with("with_")) {
      task.loop_kind = key.substr(5);
      task.loop = value;
      if (!IsKnownLoop(task.loop_kind)) {
        return Fail(fmt::format("unknown loop '{}': no lookup plugin named '{}'{}", key,
                                task.loop_kind, SuggestionSuffix(task.loop_kind, LoopNames())),
                    s.At(Pointer(ptr, key)));
      }
      continue;
    }
    if (IsTaskKeyword(key)) continue;
    std::string action = ResolveActionName(key, task.collections, probe);
    if (action.empty()) {
      unknown.push_back(key);
      continue;
    }
    if (!found.key.empty()) return Conflict(s, ptr, found.key, key);
    found = {key, value};
    task.action = action;
  }
  for (const char* key : {"action", "local_action"}) {
    if (!t.contains(key)) continue;
    if (!found.key.empty()) return Conflict(s, ptr, found.key, key);
    found = {key, t[key]};
  }
  if (!unknown.empty()) return UnknownKey(s, unknown.front(), ptr, !found.key.empty());
  return found;
}

// "copy src=a dest=b" → {"copy", "src=a dest=b"}, split as Ansible's
// split_args does, so `{{ pkg_mgr }} name=x` names the module `{{ pkg_mgr }}`.
std::pair<std::string, std::string> SplitModuleString(const std::string& text) {
  auto words = SplitArgs(text);
  if (!words || words->empty()) {
    // Unreadable argument text fails when the task runs (ParseActionText).
    size_t start = text.find_first_not_of(" \t");
    if (start == std::string::npos) return {};
    size_t space = text.find_first_of(" \t", start);
    if (space == std::string::npos) return {text.substr(start), ""};
    return {text.substr(start, space - start), text.substr(space + 1)};
  }
  std::string rest;
  for (size_t i = 1; i < words->size(); ++i) rest += (i > 1 ? " " : "") + (*words)[i];
  return {std::string(Trim((*words)[0])), rest};
}

// `action: copy src=a dest=b` or `action: {module: copy, src: a}`.
Expected<ActionEntry> ParseActionKeyword(const Json& v, const Location& where,
                                         const std::vector<std::string>& collections,
                                         const ModuleCodeProbe& probe) {
  std::string module;
  Json args;
  if (v.is_object()) {
    args = v;
    module = args.value("module", "");
    if (module.empty()) return Fail("'action' needs a module", where);
    args.erase("module");
  } else if (v.is_string()) {
    auto [name, rest] = SplitModuleString(v.get<std::string>());
    module = std::move(name);
    args = std::move(rest);
  } else {
    return Fail("'action' needs a module", where);
  }
  if (module.empty()) return Fail("'action' needs a module", where);
  if (IsTemplatedAction(module)) return ActionEntry{module, args};
  std::string action = ResolveActionName(module, collections, probe);
  if (action.empty()) return UnknownModule(module, where);
  return ActionEntry{action, args};
}

// Unquoted yes/no/true/false in the k=v text of an action without a spec
// (set_fact, include_role, ...) are booleans, as YAML would read them.
Json PlainBoolean(const std::string& text) {
  Json resolved = ResolvePlainScalar(text);
  return resolved.is_boolean() ? resolved : Json(text);
}

Expected<Json> ParseActionText(const std::string& action, const std::string& text) {
  if (action == "meta") return Json{{"_raw_params", text}};
  // A module named at run time, or one only Ansible knows: values stay
  // strings for the module's spec, other words are its free form.
  if (!IsKnownAction(action)) return ParseArgText(text, {});
  if (TakesFreeForm(action) || FindModuleSpec(action) != nullptr) {
    ArgTextRules rules = ModuleArgTextRules(action);
    rules.free_form = TakesFreeForm(action);
    return ParseArgText(text, rules);
  }
  bool takes_file = action == "include_tasks" || action == "import_tasks" ||
                    action == "include_vars" || action == "import_playbook";
  bool allow_raw = takes_file || action == "debug" || action == "set_fact" || action == "fail" ||
                   action == "pause";
  auto kv = ParseKeyValueArgs(text, allow_raw);
  if (kv && takes_file && kv->contains("_raw_params")) {
    // The free form keeps the line break that ends a `>` or `|` block.
    (*kv)["file"] = std::string(Trim((*kv)["_raw_params"].get<std::string>()));
    kv->erase("_raw_params");
  }
  return kv;
}

Expected<Json> ActionArgs(const std::string& action, const Json& v, const Location& where) {
  if (v.is_null()) return Json::object();
  if (v.is_object()) return v;
  if (!v.is_string()) {
    if (action == "meta" || action == "include_tasks" || action == "import_tasks") {
      return Json{{"_raw_params", v.dump()}};
    }
    return Fail(fmt::format("arguments of '{}' must be a mapping or k=v text", action), where);
  }
  auto args = ParseActionText(action, v.get<std::string>());
  if (!args) return Fail(args.error().message, where);
  return args;
}

Expected<void> MergeArgsKeyword(const YamlSource& s, const Json& t, const std::string& ptr,
                                Task& task) {
  if (!t.contains("args")) return {};
  const Json& extra = t["args"];
  if (!extra.is_object()) return Fail("'args' must be a mapping", s.At(Pointer(ptr, "args")));
  for (const auto& [k, v] : extra.items()) {
    if (!task.args.contains(k)) task.args[k] = v;
  }
  return {};
}

// command, shell and script take `cmd` as another name for their free form,
// as Ansible's Task does when it loads them; `args:` is merged by then.
void MoveCmdToFreeForm(Task& task) {
  if (task.action != "command" && task.action != "shell" && task.action != "script") return;
  if (!task.args.is_object() || !task.args.contains("cmd")) return;
  if (task.args.value("_raw_params", Json("")) != Json("")) {
    task.args_error = Error{"The 'cmd' argument cannot be used when other raw parameters are "
                            "specified. Please put everything in one or the other place.",
                            task.where, ""};
    return;
  }
  task.args["_raw_params"] = std::move(task.args["cmd"]);
  task.args.erase("cmd");
}

}  // namespace

Expected<Json> ParseKeyValueArgs(std::string_view text, bool allow_raw) {
  return ParseArgText(text, {.allow_raw = allow_raw, .plain_value = PlainBoolean});
}

Expected<void> ResolveTaskAction(const YamlSource& src, const Json& t, const std::string& ptr,
                                 Task& task, const ModuleCodeProbe& probe) {
  auto found = ScanKeys(src, t, ptr, task, probe);
  if (!found) return std::unexpected(found.error());
  if (found->key.empty()) return Fail("no module or action in task", task.where);
  Location where = src.At(Pointer(ptr, found->key));
  Json value = found->value;
  if (found->key == "action" || found->key == "local_action") {
    auto parsed = ParseActionKeyword(value, where, task.collections, probe);
    if (!parsed) return std::unexpected(parsed.error());
    task.action = parsed->key;
    value = parsed->value;
    if (found->key == "local_action") task.delegate_to = "localhost";
  }
  auto args = ActionArgs(task.action, value, where);
  if (args) {
    task.args = std::move(*args);
  } else {
    task.args_error = args.error();
  }
  auto merged = MergeArgsKeyword(src, t, ptr, task);
  if (merged) MoveCmdToFreeForm(task);
  return merged;
}

std::optional<Error> RunTimeProblem(const Task& task) {
  if (task.args_error) return task.args_error;
  if (IsTemplatedAction(task.action)) return std::nullopt;
  // A module only Ansible knows runs as its Python code; whether that code
  // and a Python are there is known when the task runs.
  if (!IsKnownAction(task.action)) return std::nullopt;
  if (FindModuleSpec(task.action) == nullptr ||
      task.args.dump().find("{{") != std::string::npos) {
    return std::nullopt;
  }
  auto ok = ValidateModuleArgs(task.action, PrepareActionArgs(task.action, task.args));
  if (!ok) return Error{ok.error().message, task.where, ""};
  return std::nullopt;
}

}  // namespace tend
