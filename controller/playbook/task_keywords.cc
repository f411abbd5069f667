#include "controller/playbook/task_keywords.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "controller/playbook/keyword_use.h"
#include "controller/playbook/loader.h"
#include "controller/playbook/vars_files.h"
#include "controller/template/template.h"
#include "controller/yaml/yaml.h"
#include "core/suggest.h"

namespace tend {
namespace {

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Turns a scalar condition (`when: true`) into the expression text Jinja reads.
std::string ConditionText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  return v.dump();
}

Expected<void> ReadLoop(const YamlSource& s, const Json& t, const std::string& ptr, Task& task) {
  if (t.contains("loop")) {
    if (!task.loop_kind.empty()) {
      return Fail("'loop' and 'with_" + task.loop_kind + "' cannot be used together",
                  s.At(Pointer(ptr, "loop")));
    }
    task.loop_kind = "loop";
    task.loop = t["loop"];
  }
  if (t.contains("loop_control")) {
    if (!t["loop_control"].is_object()) {
      return Fail("'loop_control' must be a mapping", s.At(Pointer(ptr, "loop_control")));
    }
    task.loop_control = t["loop_control"];
  }
  return {};
}

Expected<void> ReadNamesAndLists(const YamlSource& s, const Json& t, const std::string& ptr,
                                 bool handler, Task& task) {
  auto get = [&](const char* key) { return t.contains(key) ? t[key] : Json(); };
  if (t.contains("register")) {
    if (!t["register"].is_string()) {
      return Fail("'register' must be a variable name", s.At(Pointer(ptr, "register")));
    }
    task.register_as = t["register"];
  }
  task.notify = ToStringList(get("notify"), false);
  if (t.contains("listen")) {
    if (!handler) return Fail("'listen' is only valid on handlers", s.At(Pointer(ptr, "listen")));
    task.listen = ToStringList(get("listen"), false);
  }
  task.tags = ToStringList(get("tags"), true);
  if (t.contains("vars")) {
    if (!t["vars"].is_object() && !t["vars"].is_array()) {
      return Fail("'vars' must be a mapping", s.At(Pointer(ptr, "vars")));
    }
    task.vars = MergeVarsList(t["vars"]);
  }
  return {};
}

// Keywords kept as written; templates in them are rendered per host at run time.
void CopyRunTimeKeywords(const Json& t, Task& task) {
  auto get = [&](const char* key) { return t.contains(key) ? t[key] : Json(); };
  task.when = Conditions(get("when"));
  task.changed_when = Conditions(get("changed_when"));
  task.failed_when = Conditions(get("failed_when"));
  task.until = Conditions(get("until"));
  task.retries = get("retries");
  task.delay = get("delay");
  task.ignore_errors = get("ignore_errors");
  task.ignore_unreachable = get("ignore_unreachable");
  if (t.contains("delegate_to")) task.delegate_to = get("delegate_to");
  task.delegate_facts = get("delegate_facts");
  task.run_once = get("run_once");
  task.check_mode = get("check_mode");
  task.diff = get("diff");
  task.no_log = get("no_log");
  task.environment = get("environment");
  task.become = get("become");
  task.become_user = get("become_user");
  task.become_method = get("become_method");
  task.become_flags = get("become_flags");
  task.become_exe = get("become_exe");
  task.connection = get("connection");
  task.remote_user = get("remote_user");
  task.port = get("port");
  if (get("module_defaults").is_object()) task.module_defaults = get("module_defaults");
  task.throttle = get("throttle");
  task.timeout = get("timeout");
  task.any_errors_fatal = get("any_errors_fatal");
  task.async = get("async");
  task.poll = get("poll");
}

}  // namespace

const std::vector<std::string>& PlayKeywords() {
  static const std::vector<std::string> kKeywords = {
      "hosts",        "name",         "vars",          "vars_files",
      "vars_prompt",  "gather_facts", "gather_subset", "gather_timeout",
      "fact_path",    "become",       "become_user",   "become_method",
      "become_flags", "become_exe",   "remote_user",   "connection",
      "serial",       "strategy",     "order",         "max_fail_percentage",
      "any_errors_fatal", "ignore_unreachable", "ignore_errors", "force_handlers",
      "pre_tasks",    "roles",        "tasks",         "post_tasks",
      "handlers",     "environment",  "module_defaults", "tags",
      "check_mode",   "diff",         "no_log",        "collections",
      "port",         "run_once",     "throttle",      "timeout",
      "debugger"};
  return kKeywords;
}

const std::vector<std::string>& BlockKeywords() {
  static const std::vector<std::string> kKeywords = {
      "name",          "block",        "rescue",          "always",
      "when",          "tags",         "vars",            "become",
      "become_user",   "become_method", "become_flags",   "ignore_errors",
      "ignore_unreachable", "environment", "any_errors_fatal", "delegate_to",
      "delegate_facts", "check_mode",  "diff",            "no_log",
      "run_once",      "module_defaults", "throttle",     "timeout",
      "collections",   "connection",   "remote_user",     "notify",
      "port",          "debugger"};
  return kKeywords;
}

const std::vector<std::string>& TaskKeywords() {
  static const std::vector<std::string> kKeywords = {
      "name",          "when",          "loop",           "loop_control",
      "register",      "notify",        "listen",         "tags",
      "vars",          "args",          "become",         "become_user",
      "become_method", "become_flags",  "become_exe",     "changed_when",
      "failed_when",   "until",         "retries",        "delay",
      "ignore_errors", "ignore_unreachable", "delegate_to", "delegate_facts",
      "run_once",      "check_mode",    "diff",           "no_log",
      "environment",   "throttle",      "timeout",        "any_errors_fatal",
      "connection",    "remote_user",   "module_defaults", "collections",
      "debugger",      "poll",          "async",          "action",
      "local_action",  "port",          "block",          "rescue",
      "always"};
  return kKeywords;
}

bool IsTaskKeyword(std::string_view key) { return Contains(TaskKeywords(), key); }

bool IsRoleEntryKeyword(std::string_view key) {
  static const std::set<std::string, std::less<>> kKeywords = {
      "when",        "tags",        "become",        "become_user",        "become_method",
      "environment", "delegate_to", "ignore_errors", "any_errors_fatal",   "check_mode",
      "diff",        "no_log",      "run_once",      "ignore_unreachable", "throttle",
      "timeout",     "vars",        "connection",    "remote_user"};
  return kKeywords.contains(key);
}

Expected<void> CheckKeywords(const YamlSource& src, const Json& mapping, const std::string& ptr,
                             const std::vector<std::string>& known, std::string_view what) {
  for (const auto& [key, value] : mapping.items()) {
    if (Contains(known, key)) continue;
    return Fail(fmt::format("unknown {} keyword '{}'{}", what, key, SuggestionSuffix(key, known)),
                src.At(Pointer(ptr, key)));
  }
  return RefuseUnsupportedKeywords(src, mapping, ptr);
}

// with_<name>: every lookup (the executor's loops are query(name, terms)).
std::vector<std::string> LoopNames() {
  std::vector<std::string> names;
  for (const auto& lookup : BuiltinLookups()) names.push_back(lookup.name);
  return names;
}

// `with_community.general.filetree` names the same lookup as `with_filetree`.
bool IsKnownLoop(const std::string& kind) {
  static const std::vector<std::string> kNames = LoopNames();
  return Contains(kNames, LookupShortName(kind));
}

std::vector<std::string> Conditions(const Json& value) {
  std::vector<std::string> out;
  if (value.is_array()) {
    for (const auto& c : value) out.push_back(ConditionText(c));
  } else if (!value.is_null()) {
    out.push_back(ConditionText(value));
  }
  return out;
}

bool ResolveBool(const Json& value) {
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_string()) {
    Json r = ResolvePlainScalar(value.get<std::string>());
    return r.is_boolean() && r.get<bool>();
  }
  if (value.is_number()) return value.get<double>() != 0;
  return false;
}

Expected<void> ReadTaskKeywords(const YamlSource& src, const Json& t, const std::string& ptr,
                                bool handler, Task& task) {
  if (t.contains("name")) {
    const Json& n = t["name"];
    task.name = n.is_string() ? n.get<std::string>() : n.is_null() ? "" : n.dump();
  }
  if (auto ok = RefuseUnsupportedKeywords(src, t, ptr); !ok) return ok;
  if (auto ok = ReadLoop(src, t, ptr, task); !ok) return ok;
  if (auto ok = ReadNamesAndLists(src, t, ptr, handler, task); !ok) return ok;
  CopyRunTimeKeywords(t, task);
  return {};
}

std::vector<std::string> ToStringList(const Json& value, bool split_commas) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (!split_commas) {
      out.push_back(s);
      return;
    }
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      std::string part = s.substr(start, comma == std::string::npos ? comma : comma - start);
      part.erase(0, part.find_first_not_of(" \t"));
      part.erase(part.find_last_not_of(" \t") + 1);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  };
  if (value.is_array()) {
    for (const auto& v : value) add(v.is_string() ? v.get<std::string>() : v.dump());
  } else if (value.is_string()) {
    add(value.get<std::string>());
  } else if (!value.is_null()) {
    add(value.dump());
  }
  return out;
}

}  // namespace tend
