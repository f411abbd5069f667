// debug, assert, fail, set_fact and set_stats: actions that only report or
// record, without touching the host.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include "controller/playbook/actions/action_table.h"
#include "controller/playbook/run_context.h"
#include "core/python_format.h"

namespace tend {

// debug's `verbosity`, an int or its text (`debug: var=x verbosity=3`), as
// Ansible's int() reads it.
std::optional<int> Verbosity(const Json& args) {
  const Json value = args.value("verbosity", Json(0));
  if (value.is_number_integer()) return value.get<int>();
  if (!value.is_string()) return std::nullopt;
  std::string_view text = value.get_ref<const std::string&>();
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return n;
}

Json RunDebug(const ActionCall& call) {
  const Json& args = call.args;
  auto verbosity = Verbosity(args);
  if (!verbosity) {
    return FailResult(fmt::format("invalid literal for int() with base 10: '{}'",
                                  PythonStr(args["verbosity"])));
  }
  if (*verbosity > call.worker.ctx.opt.verbosity) {
    return Json{{"changed", false},
                {"skipped", true},
                {"skipped_reason", "Verbosity threshold not met."}};
  }
  if (args.contains("var")) {
    std::string var = args["var"].is_string() ? args["var"].get<std::string>() : args["var"].dump();
    // A template in `var` is rendered with the task's args, where an error
    // fails the task; what it renders to is then the name shown and looked up,
    // as Ansible's debug does.
    if (var.find("{{") != std::string::npos) {
      auto named = call.templar.RenderValue(Json(var), WhereText(call.task, "args"));
      if (!named) return FailResult(named.error().ToString());
      if (!named->is_string()) return Json{{var, "VARIABLE IS NOT DEFINED!"}, {"changed", false}};
      var = named->get<std::string>();
    }
    auto v = call.templar.RenderValue(Json("{{ " + var + " }}"), WhereText(call.task, "var"));
    Json value = v ? *v : Json("VARIABLE IS NOT DEFINED!");
    return Json{{var, value}, {"changed", false}};
  }
  return Json{{"msg", args.contains("msg") ? args["msg"] : Json("Hello world!")},
              {"changed", false}};
}

Json RunAssert(const ActionCall& call) {
  const Json& args = call.args;
  Json that = args.value("that", Json::array());
  if (!that.is_array()) that = Json::array({that});
  for (const auto& c : that) {
    std::string cond = c.is_string() ? c.get<std::string>() : c.dump();
    auto ok = call.templar.Condition(cond, WhereText(call.task, "that"));
    if (!ok) return FailResult(ok.error().ToString());
    if (!*ok) {
      Json msg = args.contains("fail_msg") ? args["fail_msg"]
                 : args.contains("msg")    ? args["msg"]
                                           : Json("Assertion failed");
      return Json{{"assertion", cond},
                  {"changed", false},
                  {"evaluated_to", false},
                  {"failed", true},
                  {"msg", msg}};
    }
  }
  Json out = {{"changed", false},
              {"msg", args.value("success_msg", Json("All assertions passed"))}};
  if (JsonTruthy(args.value("quiet", Json(false)))) out["_ansible_quiet"] = true;
  return out;
}

Json RunFail(const ActionCall& call) {
  const Json& args = call.args;
  Json msg = args.value("msg", Json("Failed as requested from task"));
  return FailResult(msg.is_string() ? msg.get<std::string>() : PythonRepr(msg));
}

namespace {

// Python's str.isidentifier for the ASCII names Ansible accepts.
bool IsIdentifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Unless Jinja2 is native, a string true/false/yes/no becomes a boolean, as
// Ansible's set_fact converts it.
Json FactValue(const Json& value) {
  if (!value.is_string()) return value;
  std::string lower = value.get<std::string>();
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower == "true" || lower == "yes") return true;
  if (lower == "false" || lower == "no") return false;
  return value;
}

}  // namespace

// Keys are templated too (`set_fact: "{{ 'x' + item }}={{ item }}"`), as
// Ansible's set_fact does; values arrive rendered.
Json RunSetFact(const ActionCall& call) {
  Json facts = Json::object();
  for (const auto& [k, v] : call.args.items()) {
    if (k == "cacheable") continue;
    auto key = call.templar.RenderValue(Json(k), WhereText(call.task, "set_fact"));
    if (!key) return FailResult(key.error().ToString());
    std::string name = key->is_string() ? key->get<std::string>() : key->dump();
    if (!IsIdentifier(name)) {
      return FailResult(fmt::format(
          "The variable name '{}' is not valid. Variables must start with a letter or "
          "underscore character, and contain only letters, numbers and underscores.",
          name));
    }
    facts[name] = FactValue(v);
  }
  if (facts.empty()) {
    return FailResult("No key/value pairs provided, at least one is required for this action "
                      "to succeed");
  }
  return Json{{"ansible_facts", facts}, {"changed", false}};
}

// Custom stats are not shown in the recap; the task only succeeds.
Json RunSetStats(const ActionCall&) { return Json{{"changed", false}}; }

}  // namespace tend
