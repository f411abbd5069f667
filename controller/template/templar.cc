// Templar: Ansible's templating semantics over the engine (lazy recursive
// variables, native types, conditions), and the public compile functions.

#include <fmt/format.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "controller/template/jinja.h"
#include "core/regex.h"

namespace tend {

using jinja::Program;
using jinja::Renderer;
using jinja::RenderError;
using jinja::Value;

const std::string& Template::name() const { return program_->name; }
const std::string& Template::source() const { return program_->source; }
bool Template::IsSingleExpression() const { return program_ && program_->single_expression; }

Expected<Template> CompileTemplate(std::string_view source, std::string name,
                                   const TemplateOptions& options) {
  jinja::ParseOptions po;
  po.ws = options;
  auto p = jinja::Parse(source, std::move(name), po);
  if (!p) return std::unexpected(p.error());
  return Program::Wrap(std::move(*p));
}

Expected<Template> CompileExpression(std::string_view expression, std::string name) {
  jinja::ParseOptions po;
  po.expression_only = true;
  auto p = jinja::Parse(expression, std::move(name), po);
  if (!p) return std::unexpected(p.error());
  return Program::Wrap(std::move(*p));
}

bool ContainsTemplate(std::string_view text) {
  for (size_t i = text.find('{'); i != std::string_view::npos && i + 1 < text.size();
       i = text.find('{', i + 1)) {
    char c = text[i + 1];
    if (c == '{' || c == '%' || c == '#') return true;
  }
  return false;
}

JsonScope::JsonScope(const Json& vars, const Scope* parent) : vars_(vars), parent_(parent) {
  if (vars_.is_object())
    for (auto it = vars_.begin(); it != vars_.end(); ++it) index_.emplace(it.key(), &it.value());
}

const Json* JsonScope::Find(std::string_view name) const {
  auto it = index_.find(name);
  if (it != index_.end()) return it->second;
  return parent_ ? parent_->Find(name) : nullptr;
}

bool JsonScope::Unsafe(std::string_view name) const {
  return !index_.contains(name) && parent_ && parent_->Unsafe(name);
}

bool IsOmit(const Json& value) { return value.is_string() && value.get_ref<const std::string&>() == kOmitPlaceholder; }
bool IsUnsafe(const Json& value) { return value.is_object() && value.size() == 1 && value.contains("__ansible_unsafe"); }
bool IsVaulted(const Json& value) { return value.is_object() && value.size() == 1 && value.contains("__ansible_vault"); }

struct Templar::State {
  std::unordered_map<std::string, std::shared_ptr<Program>> compiled;
  std::unordered_map<std::string, std::shared_ptr<Program>> conditions;
  // Resolved variables: nullptr-free; values needing no templating point into the Scope.
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::unordered_map<std::string, const Json*, Hash, std::equal_to<>> resolved;
  std::vector<std::unique_ptr<Json>> owned;
  std::unordered_map<const Json*, const Json*> containers;  // raw -> rendered
  std::unordered_set<std::string> resolving;
};

Templar::Templar(const Scope& vars, TemplarHooks hooks)
    : vars_(vars), hooks_(std::move(hooks)), state_(std::make_unique<State>()) {}
Templar::~Templar() = default;

void Templar::Reset() {
  state_->resolved.clear();
  state_->containers.clear();
  state_->owned.clear();
}

namespace {

bool NeedsRendering(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return ContainsTemplate(v.get_ref<const std::string&>());
    case Json::value_t::array:
      for (const auto& e : v)
        if (NeedsRendering(e)) return true;
      return false;
    case Json::value_t::object:
      if (IsUnsafe(v) || IsVaulted(v)) return true;
      for (const auto& [k, e] : v.items())
        if (NeedsRendering(e)) return true;
      return false;
    default: return false;
  }
}

int CountTrailingNewlines(std::string_view s) {
  int n = 0;
  for (size_t i = s.size(); i > 0 && s[i - 1] == '\n'; --i) ++n;
  return n;
}

// Ansible turns text that looks like a Python literal ("[1, 2]", "{'a': 1}",
// "True") back into that value, as ast.literal_eval would.
std::optional<Json> LiteralEval(const std::string& text) {
  jinja::ParseOptions po;
  po.expression_only = true;
  auto p = jinja::Parse(text, "<literal>", po);
  if (!p) return std::nullopt;
  std::function<std::optional<Json>(const jinja::Node&)> eval = [&](const jinja::Node& n) -> std::optional<Json> {
    switch (n.op) {
      case jinja::Op::kLiteral: return n.literal;
      case jinja::Op::kName:
        // Ansible's Json2Python reads JSON's null as None.
        if (n.name == "null") return Json(nullptr);
        return std::nullopt;
      case jinja::Op::kNeg: {
        auto v = eval(*n.kids[0]);
        if (!v || !v->is_number()) return std::nullopt;
        return v->is_number_float() ? Json(-v->get<double>()) : Json(-v->get<int64_t>());
      }
      case jinja::Op::kList:
      case jinja::Op::kTuple: {
        Json out = Json::array();
        for (const auto& k : n.kids) {
          auto v = eval(*k);
          if (!v) return std::nullopt;
          out.push_back(std::move(*v));
        }
        return out;
      }
      case jinja::Op::kDict: {
        Json out = Json::object();
        for (size_t k = 0; k + 1 < n.kids.size(); k += 2) {
          auto key = eval(*n.kids[k]);
          auto v = eval(*n.kids[k + 1]);
          if (!key || !v || !key->is_string()) return std::nullopt;
          out[key->get<std::string>()] = std::move(*v);
        }
        return out;
      }
      default: return std::nullopt;
    }
  };
  // Jinja's lowercase none is not a Python literal; JSON's true and false are
  // (Ansible's Json2Python maps them).
  for (const char* word : {"none"}) {
    size_t pos = text.find(word);
    while (pos != std::string::npos) {
      bool left = pos == 0 || !isalnum(static_cast<unsigned char>(text[pos - 1]));
      size_t end = pos + strlen(word);
      bool right = end >= text.size() || !isalnum(static_cast<unsigned char>(text[end]));
      if (left && right) {
        // inside a quoted string is fine; a rough check: count quotes before
        size_t quotes = std::count(text.begin(), text.begin() + pos, '\'') + std::count(text.begin(), text.begin() + pos, '"');
        if (quotes % 2 == 0) return std::nullopt;
      }
      pos = text.find(word, pos + 1);
    }
  }
  return eval(*(*p)->root);
}

// Ansible's _no_type_regex: a template whose expression ends in a filter
// that makes text (`{{ x | to_nice_json }}`) keeps its result a string, even
// when that text looks like a dict or list.
bool EndsInStringFilter(std::string_view text) {
  static const Regex kStringFilter = Regex::Fixed(
      R"(\|\s*(?:string|to_json|to_nice_json|to_yaml|to_nice_yaml|ppretty|json)(?:\([^|]*\))?\s*\)?\s*\}\})");
  return kStringFilter.Contains(text);
}

Error LocatedError(const Program& p, const Renderer* r, const std::string& message, std::string_view where) {
  Location loc{std::string(where.empty() ? std::string_view(p.name) : where), 0, 0};
  if (p.multi_line && r && r->current_line > 0) loc.line = r->current_line;
  return Error{message, loc, {}};
}

}  // namespace

Json ConvertData(std::string text) {
  if (!text.empty() && (text[0] == '[' || text[0] == '{' || text == "True" || text == "False")) {
    if (auto lit = LiteralEval(text)) return *lit;
  }
  return Json(std::move(text));
}

Expected<const Json*> Templar::Resolve(std::string_view name) {
  static const Json kOmit = Json(std::string(kOmitPlaceholder));
  auto& st = *state_;
  const Json* raw = vars_.Find(name);
  if (!raw) return name == "omit" ? &kOmit : nullptr;
  if (vars_.Unsafe(name)) return raw;
  // The common case, a scalar that is no template, costs no allocation.
  if (raw->is_string() ? !ContainsTemplate(raw->get_ref<const std::string&>())
                       : !raw->is_structured())
    return raw;
  // hostvars is templated as it is read (Renderer::ReadLazy).
  if (name == kLazyVariable) return raw;
  if (raw->is_structured()) {
    auto hit = st.containers.find(raw);
    if (hit != st.containers.end()) return hit->second;
    if (!NeedsRendering(*raw)) {
      st.containers.emplace(raw, raw);
      return raw;
    }
  } else {
    auto hit = st.resolved.find(name);
    if (hit != st.resolved.end()) return hit->second;
  }
  std::string key(name);
  if (st.resolving.count(key)) {
    return Fail(fmt::format("recursive loop detected in template string: {}",
                            raw->is_string() ? raw->get<std::string>() : key));
  }
  st.resolving.insert(key);
  auto rendered = RenderValue(*raw, "");
  st.resolving.erase(key);
  if (!rendered) return std::unexpected(rendered.error());
  st.owned.push_back(std::make_unique<Json>(std::move(*rendered)));
  const Json* p = st.owned.back().get();
  if (raw->is_structured()) st.containers.emplace(raw, p);
  else st.resolved.emplace(std::move(key), p);
  return p;
}

Expected<Json> Templar::Render(std::string_view text, std::string_view where) {
  if (!ContainsTemplate(text)) return Json(std::string(text));
  auto& st = *state_;
  std::string key(text);
  auto it = st.compiled.find(key);
  if (it == st.compiled.end()) {
    jinja::ParseOptions po;
    po.literal_backslashes = true;
    po.ws.keep_trailing_newline = false;
    auto p = jinja::Parse(text, std::string(where), po);
    if (!p) {
      Error e = p.error();
      // A string in a playbook: name the place, keep line/col within the string.
      return std::unexpected(e);
    }
    it = st.compiled.emplace(std::move(key), std::move(*p)).first;
  }
  const Program& program = *it->second;
  Renderer r(*this, program);
  try {
    if (program.single_expression) {
      const jinja::Node& out = *program.root->kids[0];
      Value v = r.Eval(*out.kids[0]);
      Json j = v.Take();
      if (j.is_null()) return Json("");  // Ansible's finalize prints None as ""
      return j;
    }
    std::string out;
    r.Render(*program.root, out);
    int want = CountTrailingNewlines(text);
    int have = CountTrailingNewlines(out);
    if (want > have) out.append(want - have, '\n');
    if (EndsInStringFilter(text)) return Json(std::move(out));
    return ConvertData(std::move(out));
  } catch (const RenderError& e) {
    // Ansible's post_validate names an undefined variable in a task's args
    // this way; roles test for the words "undefined variable".
    if (e.is_undefined && where.ends_with("(args)")) {
      return std::unexpected(LocatedError(
          program, &r, fmt::format("The task includes an option with an undefined variable. The error was: {}", e.what()),
          where));
    }
    return std::unexpected(LocatedError(program, &r, e.what(), where));
  } catch (const std::exception& e) {
    return std::unexpected(LocatedError(program, &r, e.what(), where));
  }
}

Expected<std::string> Templar::RenderString(std::string_view text, std::string_view where) {
  auto v = Render(text, where);
  if (!v) return std::unexpected(v.error());
  if (v->is_string()) return v->get<std::string>();
  if (v->is_null()) return std::string();
  return PythonStr(*v);
}

Expected<Json> Templar::RenderValue(const Json& value, std::string_view where) {
  switch (value.type()) {
    case Json::value_t::string: return Render(value.get_ref<const std::string&>(), where);
    case Json::value_t::array: {
      Json out = Json::array();
      for (const auto& e : value) {
        auto r = RenderValue(e, where);
        if (!r) return r;
        out.push_back(std::move(*r));
      }
      return out;
    }
    case Json::value_t::object: {
      if (IsUnsafe(value)) return value["__ansible_unsafe"];
      if (IsVaulted(value)) {
        if (!hooks_.decrypt_vault) return Fail("a vaulted value was used but no vault secret was given", Location{std::string(where)});
        auto plain = hooks_.decrypt_vault(value["__ansible_vault"].get<std::string>());
        if (!plain) return std::unexpected(plain.error());
        return Json(std::move(*plain));
      }
      Json out = Json::object();
      for (auto it = value.begin(); it != value.end(); ++it) {
        auto r = RenderValue(it.value(), where);
        if (!r) return r;
        out[it.key()] = std::move(*r);
      }
      return out;
    }
    default: return value;
  }
}

Expected<bool> Templar::EvaluateCondition(std::string_view expression, std::string_view where) {
  std::string expr(expression);
  while (!expr.empty() && isspace(static_cast<unsigned char>(expr.back()))) expr.pop_back();
  while (!expr.empty() && isspace(static_cast<unsigned char>(expr.front()))) expr.erase(0, 1);
  if (ContainsTemplate(expr)) {
    // `when: "{{ x }}"`: Ansible renders first, then evaluates the result.
    auto v = Render(expr, where);
    if (!v) return std::unexpected(v.error());
    if (v->is_boolean()) return v->get<bool>();
    if (!v->is_string()) return jinja::PyTruthy(*v);
    expr = v->get<std::string>();
  }
  if (expr.empty()) return false;
  auto& st = *state_;
  auto it = st.conditions.find(expr);
  if (it == st.conditions.end()) {
    jinja::ParseOptions po;
    po.expression_only = true;
    // Ansible evaluates a condition inside `{% if %}`, where its templar does
    // not double backslashes: `\"` in a string literal is a quote.
    po.literal_backslashes = false;
    auto p = jinja::Parse(expr, std::string(where), po);
    if (!p) return std::unexpected(p.error());
    it = st.conditions.emplace(expr, std::move(*p)).first;
  }
  const Program& program = *it->second;
  Renderer r(*this, program);
  try {
    return jinja::PyTruthy(r.Eval(*program.root).json());
  } catch (const RenderError& e) {
    std::string message = e.what();
    if (e.is_undefined)
      message = fmt::format("The conditional check '{}' failed. The error was: error while evaluating conditional ({}): {}", expr, expr, e.what());
    return std::unexpected(LocatedError(program, nullptr, message, where));
  } catch (const std::exception& e) {
    return std::unexpected(LocatedError(program, nullptr, e.what(), where));
  }
}

Expected<bool> Templar::EvaluateWhen(const Json& condition, std::string_view where) {
  if (condition.is_boolean()) return condition.get<bool>();
  if (condition.is_null()) return true;
  if (condition.is_array()) {
    for (const auto& c : condition) {
      auto r = EvaluateWhen(c, where);
      if (!r || !*r) return r;
    }
    return true;
  }
  if (condition.is_number()) return jinja::PyTruthy(condition);
  if (IsUnsafe(condition)) return EvaluateWhen(condition["__ansible_unsafe"], where);
  if (!condition.is_string()) return Fail("a conditional must be a string, a bool or a list", Location{std::string(where)});
  return EvaluateCondition(std::string_view(condition.get_ref<const std::string&>()), where);
}

Expected<std::string> Templar::RenderTemplate(const Template& tmpl) {
  const Program& program = Program::Of(tmpl);
  Renderer r(*this, program);
  std::string out;
  try {
    r.Render(*program.root, out);
  } catch (const RenderError& e) {
    return std::unexpected(LocatedError(program, &r, e.what(), ""));
  } catch (const std::exception& e) {
    return std::unexpected(LocatedError(program, &r, e.what(), ""));
  }
  return out;
}

namespace {

// ansible_managed and the template_* variables the template module defines.
Json TemplateModuleVars(const std::string& path) {
  std::error_code ec;
  std::filesystem::path full = std::filesystem::absolute(path, ec);
  struct stat st {};
  std::string owner;
  if (::stat(path.c_str(), &st) == 0) {
    if (const passwd* pw = getpwuid(st.st_uid)) owner = pw->pw_name;
    else owner = std::to_string(st.st_uid);
  }
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", std::localtime(&now));
  return Json{{"ansible_managed", "Ansible managed"},
              {"template_path", path},
              {"template_fullpath", full.string()},
              {"template_host", host},
              {"template_uid", owner},
              {"template_run_date", date}};
}

}  // namespace

Expected<std::string> Templar::RenderFile(const std::string& path, bool preserve_trailing_newlines) {
  auto& ctx = hooks_.lookup_context;
  std::vector<std::string> candidates;
  if (!path.empty() && path[0] == '/') {
    candidates.push_back(path);
  } else {
    for (const auto& dir : ctx.search_paths) {
      candidates.push_back(dir + "/templates/" + path);
      candidates.push_back(dir + "/" + path);
    }
    candidates.push_back(path);
  }
  auto read = ctx.read_file;
  for (const auto& c : candidates) {
    std::string text;
    if (read) {
      auto r = read(c);
      if (!r) continue;
      text = std::move(*r);
    } else {
      FILE* f = fopen(c.c_str(), "rb");
      if (!f) continue;
      char buf[65536];
      size_t n;
      while ((n = fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
      fclose(f);
    }
    TemplateOptions o = hooks_.file_options;
    o.keep_trailing_newline = false;
    auto t = CompileTemplate(text, c, o);
    if (!t) return std::unexpected(t.error());
    // The template module's own variables, over the task's (as in Ansible).
    Json template_vars = TemplateModuleVars(c);
    JsonScope scope(template_vars, &vars_);
    Templar with_template_vars(scope, hooks_);
    auto out = with_template_vars.RenderTemplate(*t);
    if (!out || !preserve_trailing_newlines) return out;
    int want = CountTrailingNewlines(text), have = CountTrailingNewlines(*out);
    if (want > have) out->append(want - have, '\n');
    return out;
  }
  return Fail(fmt::format("the template file {} could not be found", path));
}

}  // namespace tend
