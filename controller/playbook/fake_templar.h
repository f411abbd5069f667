#pragma once

// A deliberately small stand-in for the Jinja2 engine, so executor tests pin
// the executor's behaviour and not the engine's. It understands `{{ a.b }}`,
// `{{ a['b'] }}`, literals, `| default(x)`, and conditions built from
// `not`, `and`, `or`, `==`, `!=`, `in`, `is [not] defined/changed/failed/
// skipped/succeeded`.

#include <string>
#include <string_view>

#include "controller/playbook/templating.h"

namespace tend {

class FakeTemplar : public TaskTemplar {
 public:
  explicit FakeTemplar(const Scope& scope) : scope_(scope) {}

  Expected<Json> RenderValue(const Json& value, std::string_view where) override {
    if (value.is_string()) return RenderString(value.get<std::string>());
    if (value.is_array() || value.is_object()) {
      Json out = value.is_array() ? Json::array() : Json::object();
      for (auto it = value.begin(); it != value.end(); ++it) {
        auto v = RenderValue(*it, where);
        if (!v) return v;
        if (value.is_array())
          out.push_back(*v);
        else
          out[it.key()] = *v;
      }
      return out;
    }
    return value;
  }

  Expected<bool> Condition(std::string_view expression, std::string_view) override {
    return Cond(Trim(std::string(expression)));
  }

  Expected<std::string> RenderFile(const std::string& path) override { return "rendered " + path; }

  // Lookups are the engine's own (with_<lookup> loops go through them), run
  // over the fake's variables.
  Expected<Json> Query(const std::string& lookup, const Json& terms) override {
    Templar templar(scope_);
    return RunQuery(templar, lookup, terms);
  }

 private:
  static std::string Trim(std::string s) {
    s.erase(0, s.find_first_not_of(" \n"));
    s.erase(s.find_last_not_of(" \n") + 1);
    return s;
  }

  static bool Truthy(const Json& v) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_null()) return false;
    if (v.is_number()) return v.get<double>() != 0;
    if (v.is_string()) return !v.get<std::string>().empty();
    return !v.empty();
  }

  Expected<Json> RenderString(const std::string& s) {
    size_t open = s.find("{{");
    if (open == std::string::npos) return Json(s);
    size_t close = s.find("}}", open);
    if (open == 0 && close == s.size() - 2) return Eval(Trim(s.substr(2, s.size() - 4)));
    std::string out;
    size_t pos = 0;
    while ((open = s.find("{{", pos)) != std::string::npos) {
      close = s.find("}}", open);
      out += s.substr(pos, open - pos);
      auto v = Eval(Trim(s.substr(open + 2, close - open - 2)));
      if (!v) return v;
      out += v->is_string() ? v->get<std::string>() : v->dump();
      pos = close + 2;
    }
    return Json(out + s.substr(pos));
  }

  Expected<Json> Eval(std::string e) {
    size_t bar = e.find(" | default(");
    if (bar != std::string::npos) {
      auto v = Eval(e.substr(0, bar));
      if (v) return v;
      std::string arg = e.substr(bar + 11);
      return Eval(arg.substr(0, arg.rfind(')')));
    }
    if (e.size() >= 2 && (e[0] == '\'' || e[0] == '"')) return Json(e.substr(1, e.size() - 2));
    if (e == "true" || e == "True") return Json(true);
    if (e == "false" || e == "False") return Json(false);
    if (!e.empty() && (std::isdigit(static_cast<unsigned char>(e[0])) || e[0] == '-')) {
      return Json::parse(e);
    }
    if (!e.empty() && e[0] == '[') return Json::parse(e);
    size_t i = 0;
    while (i < e.size() && (std::isalnum(static_cast<unsigned char>(e[i])) || e[i] == '_')) ++i;
    std::string name = e.substr(0, i);
    const Json* found = scope_.Find(name);
    if (found == nullptr) return Fail("'" + name + "' is undefined");
    Json v = *found;
    if (v.is_string() && v.get<std::string>().find("{{") != std::string::npos) {
      auto r = RenderString(v.get<std::string>());
      if (!r) return r;
      v = *r;
    }
    while (i < e.size()) {
      std::string key;
      if (e[i] == '.') {
        size_t j = ++i;
        while (i < e.size() && (std::isalnum(static_cast<unsigned char>(e[i])) || e[i] == '_')) ++i;
        key = e.substr(j, i - j);
      } else if (e[i] == '[') {
        size_t end = e.find(']', i);
        std::string inner = e.substr(i + 1, end - i - 1);
        i = end + 1;
        if (!inner.empty() && std::isdigit(static_cast<unsigned char>(inner[0]))) {
          size_t idx = std::stoul(inner);
          if (!v.is_array() || idx >= v.size()) return Fail("index out of range");
          v = Json(v[idx]);
          continue;
        }
        auto k = Eval(inner);
        if (!k) return k;
        key = k->get<std::string>();
      } else {
        break;
      }
      if (!v.is_object() || !v.contains(key)) return Fail("'" + key + "' is undefined");
      v = Json(v[key]);
    }
    return v;
  }

  Expected<bool> Cond(const std::string& e) {
    for (const char* op : {" or ", " and "}) {
      size_t at = e.find(op);
      if (at == std::string::npos) continue;
      auto a = Cond(Trim(e.substr(0, at)));
      if (!a) return a;
      bool is_or = std::string_view(op) == " or ";
      if (is_or && *a) return true;
      if (!is_or && !*a) return false;
      return Cond(Trim(e.substr(at + std::string_view(op).size())));
    }
    if (e.starts_with("not ")) {
      auto v = Cond(Trim(e.substr(4)));
      if (!v) return v;
      return !*v;
    }
    size_t is = e.find(" is ");
    if (is != std::string::npos) {
      std::string test = Trim(e.substr(is + 4));
      bool negate = test.starts_with("not ");
      if (negate) test = Trim(test.substr(4));
      auto v = Eval(e.substr(0, is));
      bool r;
      if (test == "defined")
        r = v.has_value();
      else if (test == "undefined")
        r = !v.has_value();
      else if (!v)
        return std::unexpected(v.error());
      else if (test == "changed")
        r = Truthy(v->value("changed", Json(false)));
      else if (test == "failed")
        r = Truthy(v->value("failed", Json(false)));
      else if (test == "skipped")
        r = Truthy(v->value("skipped", Json(false)));
      else
        r = !Truthy(v->value("failed", Json(false)));  // succeeded/success
      return negate ? !r : r;
    }
    for (const char* op : {" == ", " != ", " not in ", " in "}) {
      size_t at = e.find(op);
      if (at == std::string::npos) continue;
      auto a = Eval(Trim(e.substr(0, at)));
      auto b = Eval(Trim(e.substr(at + std::string_view(op).size())));
      if (!a) return std::unexpected(a.error());
      if (!b) return std::unexpected(b.error());
      std::string_view o = op;
      if (o == " == ") return *a == *b;
      if (o == " != ") return *a != *b;
      bool in = b->is_array()    ? std::find(b->begin(), b->end(), *a) != b->end()
                : b->is_object() ? a->is_string() && b->contains(a->get<std::string>())
                                 : b->is_string() &&
                          b->get<std::string>().find(a->get<std::string>()) != std::string::npos;
      return o == " in " ? in : !in;
    }
    std::string expr = e;
    if (expr.ends_with(" | bool")) expr.resize(expr.size() - 7);
    auto v = Eval(expr);
    if (!v) return std::unexpected(v.error());
    if (v->is_string()) {
      std::string s = v->get<std::string>();
      return s == "yes" || s == "true" || s == "True" || s == "on" || s == "1";
    }
    return Truthy(*v);
  }

  const Scope& scope_;
};

inline TemplarFactory FakeTemplarFactory() {
  return [](const Scope& scope, const TemplarContext&) {
    return std::make_unique<FakeTemplar>(scope);
  };
}

}  // namespace tend
