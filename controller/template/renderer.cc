// Evaluation of compiled trees: expressions with Python semantics,
// statements, methods on str/list/dict, and the global functions.

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "controller/template/jinja.h"

namespace tend::jinja {
namespace {

std::string ObjectTypeRepr(const Json& v) {
  if (v.is_null()) return "None";
  return PyTypeName(v) + " object";
}

// UTF-8 code points of a string, each as its own string.
std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t len = 1;
    unsigned char c = s[i];
    if (c >= 0xF0) len = 4;
    else if (c >= 0xE0) len = 3;
    else if (c >= 0xC0) len = 2;
    out.push_back(s.substr(i, len));
    i += len;
  }
  return out;
}

bool IsAscii(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

int64_t NormalizeIndex(int64_t i, size_t size) { return i < 0 ? i + static_cast<int64_t>(size) : i; }

Json LoopAttr(const LoopState& s, const std::string& name, bool* found) {
  *found = true;
  if (name == "index") return s.index0 + 1;
  if (name == "index0") return s.index0;
  if (name == "first") return s.index0 == 0;
  if (name == "last") return s.index0 + 1 == s.length;
  if (name == "length") return s.length;
  if (name == "revindex") return s.length - s.index0;
  if (name == "revindex0") return s.length - s.index0 - 1;
  if (name == "depth") return s.depth0 + 1;
  if (name == "depth0") return s.depth0;
  *found = false;
  return nullptr;
}

Json PySplit(const std::string& s, const Json* sep, int64_t maxsplit, bool from_right) {
  Json out = Json::array();
  if (!sep || sep->is_null()) {
    std::vector<std::string> parts;
    std::string cur;
    bool in = false;
    for (char c : s) {
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        if (in) parts.push_back(cur), cur.clear(), in = false;
      } else {
        cur += c;
        in = true;
      }
    }
    if (in) parts.push_back(cur);
    if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) > maxsplit + 1) {
      // rejoin the tail (approximation: single spaces)
      std::vector<std::string> head(parts.begin(), parts.begin() + maxsplit);
      std::string tail;
      size_t pos = 0, count = 0;
      for (; pos < s.size() && count <= static_cast<size_t>(maxsplit); ++pos) {
        bool ws = isspace(static_cast<unsigned char>(s[pos]));
        if (!ws && (pos == 0 || isspace(static_cast<unsigned char>(s[pos - 1])))) ++count;
        if (count == static_cast<size_t>(maxsplit) + 1) break;
      }
      tail = StripChars(s.substr(pos), nullptr, false, true);
      for (auto& h : head) out.push_back(h);
      out.push_back(tail);
      return out;
    }
    for (auto& p : parts) out.push_back(p);
    return out;
  }
  const std::string& d = sep->get_ref<const std::string&>();
  if (d.empty()) throw RenderError("empty separator");
  std::vector<std::string> parts;
  if (!from_right) {
    size_t pos = 0;
    int64_t n = 0;
    while (true) {
      size_t f = s.find(d, pos);
      if (f == std::string::npos || (maxsplit >= 0 && n >= maxsplit)) break;
      parts.push_back(s.substr(pos, f - pos));
      pos = f + d.size();
      ++n;
    }
    parts.push_back(s.substr(pos));
  } else {
    size_t end = s.size();
    int64_t n = 0;
    while (true) {
      if (maxsplit >= 0 && n >= maxsplit) break;
      size_t f = end >= d.size() ? s.rfind(d, end - d.size()) : std::string::npos;
      if (f == std::string::npos) break;
      parts.insert(parts.begin(), s.substr(f + d.size(), end - f - d.size()));
      end = f;
      ++n;
    }
    parts.insert(parts.begin(), s.substr(0, end));
  }
  for (auto& p : parts) out.push_back(p);
  return out;
}

}  // namespace

std::string StripChars(const std::string& s, const std::string* chars, bool left, bool right) {
  auto is_strip = [&](char c) {
    return chars ? chars->find(c) != std::string::npos : (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v');
  };
  size_t b = 0, e = s.size();
  if (left)
    while (b < e && is_strip(s[b])) ++b;
  if (right)
    while (e > b && is_strip(s[e - 1])) --e;
  return s.substr(b, e - b);
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to, int64_t count) {
  if (from.empty()) {
    std::string out;
    int64_t n = 0;
    for (auto& cp : CodePoints(s)) {
      if (count < 0 || n < count) out += to, ++n;
      out += cp;
    }
    if (count < 0 || n < count) out += to;
    return out;
  }
  size_t pos = 0;
  int64_t n = 0;
  while ((count < 0 || n < count) && (pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
    ++n;
  }
  return s;
}

// A value borrowed from a temporary must own its Json before the temporary dies.
Value Detach(const Value& source, Value result) {
  if (source.owned() && result.is_ref()) return Value(result.Take());
  return result;
}

std::string PyLower(const std::string& s) {
  std::string out = s;
  for (auto& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}
std::string PyUpper(const std::string& s) {
  std::string out = s;
  for (auto& c : out) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return out;
}
std::string PyCapitalize(const std::string& s) {
  std::string out = PyLower(s);
  if (!out.empty()) out[0] = static_cast<char>(toupper(static_cast<unsigned char>(out[0])));
  return out;
}
std::string PyTitle(const std::string& s) {
  std::string out = s;
  bool prev_cased = false;
  for (auto& c : out) {
    unsigned char u = c;
    bool alpha = isalpha(u);
    if (alpha) c = static_cast<char>(prev_cased ? tolower(u) : toupper(u));
    prev_cased = alpha || (u >= 0x80);
  }
  return out;
}
std::string StringJoin(const Json& list, const std::string& sep) {
  std::string out;
  bool first = true;
  for (const auto& e : list) {
    if (!first) out += sep;
    first = false;
    out += PythonStr(e);
  }
  return out;
}

Value GetAttr(const Value& obj, const std::string& name) {
  switch (obj.kind()) {
    case Value::Kind::kUndefined:
      if (obj.lenient()) obj.ThrowUndefined();  // Jinja2's Undefined raises on attribute access
      return obj;
    case Value::Kind::kLoop: {
      bool found;
      Json v = LoopAttr(*obj.object<LoopState>(), name, &found);
      if (found) return Value(std::move(v));
      if (name == "previtem" || name == "nextitem") {
        auto* s = obj.object<LoopState>();
        size_t k = name == "previtem" ? s->index0 - 1 : s->index0 + 1;
        if ((name == "previtem" && s->index0 == 0) || k >= s->items->size())
          return Value::Undefined("there is no " + std::string(name == "previtem" ? "previous" : "next") + " item");
        return (*s->items)[k];
      }
      return Value::Undefined("'LoopContext object' has no attribute '" + name + "'");
    }
    case Value::Kind::kNamespace: {
      const Json& ns = *obj.object<Json>();
      auto it = ns.find(name);
      if (it != ns.end()) return Value::Ref(*it);
      return Value::Undefined("'Namespace object' has no attribute '" + name + "'");
    }
    case Value::Kind::kMacro: return Value::Undefined("'Macro object' has no attribute '" + name + "'");
    case Value::Kind::kJson: break;
  }
  const Json& j = obj.json();
  if (j.is_object()) {
    auto it = j.find(name);
    if (it != j.end()) return Value::Ref(*it);
  }
  return Value::Undefined(fmt::format("'{}' has no attribute '{}'", ObjectTypeRepr(j), name));
}

Value GetItem(const Value& obj, const Value& key) {
  if (obj.undefined()) {
    if (obj.lenient()) obj.ThrowUndefined();  // Jinja2's Undefined raises on item access
    return obj;
  }
  if (key.undefined()) key.ThrowUndefined();
  const Json& k = key.json();
  if (obj.kind() != Value::Kind::kJson) {
    if (k.is_string()) return GetAttr(obj, k.get<std::string>());
    return Value::Undefined("no element");
  }
  const Json& j = obj.json();
  if (j.is_object()) {
    if (k.is_string()) {
      auto it = j.find(k.get_ref<const std::string&>());
      if (it != j.end()) return Value::Ref(*it);
      return Value::Undefined(fmt::format("'{}' has no attribute '{}'", ObjectTypeRepr(j), k.get<std::string>()));
    }
    return Value::Undefined(fmt::format("'{}' has no element {}", ObjectTypeRepr(j), PythonRepr(k)));
  }
  if ((j.is_array() || j.is_string()) && (k.is_number_integer() || k.is_boolean())) {
    int64_t i = k.is_boolean() ? k.get<bool>() : k.get<int64_t>();
    if (j.is_array()) {
      int64_t n = NormalizeIndex(i, j.size());
      if (n >= 0 && n < static_cast<int64_t>(j.size())) return Value::Ref(j[n]);
    } else {
      const std::string& s = j.get_ref<const std::string&>();
      if (IsAscii(s)) {
        int64_t n = NormalizeIndex(i, s.size());
        if (n >= 0 && n < static_cast<int64_t>(s.size())) return Value(Json(std::string(1, s[n])));
      } else {
        auto cps = CodePoints(s);
        int64_t n = NormalizeIndex(i, cps.size());
        if (n >= 0 && n < static_cast<int64_t>(cps.size())) return Value(Json(cps[n]));
      }
    }
    return Value::Undefined(fmt::format("'{}' has no element {}", ObjectTypeRepr(j), PythonRepr(k)));
  }
  if (k.is_string()) return GetAttr(obj, k.get<std::string>());
  return Value::Undefined(fmt::format("'{}' has no element {}", ObjectTypeRepr(j), PythonRepr(k)));
}

std::vector<Value> Iterate(const Value& v) {
  std::vector<Value> out;
  if (v.kind() == Value::Kind::kNamespace) return out;
  const Json& j = v.json();
  if (j.is_array()) {
    out.reserve(j.size());
    for (const auto& e : j) out.push_back(Value::Ref(e));
  } else if (j.is_object()) {
    out.reserve(j.size());
    for (auto it = j.begin(); it != j.end(); ++it) out.push_back(Value(Json(it.key())));
  } else if (j.is_string()) {
    for (auto& cp : CodePoints(j.get_ref<const std::string&>())) out.push_back(Value(Json(cp)));
  } else {
    throw RenderError(fmt::format("'{}' object is not iterable", PyTypeName(j)));
  }
  return out;
}

void Renderer::Print(const Value& v, std::string& out) {
  const Json& j = v.json();
  if (j.is_string()) out += j.get_ref<const std::string&>();
  else if (!j.is_null()) AppendPythonStr(j, out);
}

const Value* Renderer::FindLocal(std::string_view name) const {
  for (auto it = locals_.rbegin(); it != locals_.rend(); ++it)
    if (it->first == name) return &it->second;
  return nullptr;
}

void Renderer::SetLocal(std::string_view name, Value v) {
  for (size_t k = locals_.size(); k-- > scope_start_;) {
    if (locals_[k].first == name) {
      locals_[k].second = std::move(v);
      return;
    }
  }
  locals_.emplace_back(name, std::move(v));
}

void Renderer::Render(const Node& body, std::string& out) {
  if (++depth_ > 200) throw RenderError("maximum recursion depth exceeded");
  for (const auto& kid : body.kids) {
    const Node& n = *kid;
    switch (n.op) {
      case Op::kText: out.append(n.text); break;
      case Op::kOutput:
        current_line = n.line;
        Print(Eval(*n.kids[0]), out);
        break;
      case Op::kIf: {
        current_line = n.line;
        size_t k = 0;
        for (; k + 1 < n.kids.size(); k += 2) {
          if (PyTruthy(Eval(*n.kids[k]).json())) {
            Render(*n.kids[k + 1], out);
            break;
          }
        }
        if (k + 1 == n.kids.size()) Render(*n.kids[k], out);
        break;
      }
      case Op::kFor: ExecFor(n, out); break;
      case Op::kSet:
      case Op::kSetBlock: ExecSet(n, out); break;
      case Op::kMacro:
        SetLocal(n.name, Value::Object(Value::Kind::kMacro, std::shared_ptr<void>(n.macro)));
        break;
      case Op::kCallBlock: {
        current_line = n.line;
        const Node& call = *n.kids[0];
        Value callee = Eval(*call.kids[0]);
        Args args = EvalArgs(call, 1);
        out += PythonStr(CallValue(callee, args, &n).json());
        break;
      }
      case Op::kInclude: ExecInclude(n, out); break;
      case Op::kFilterBlock: {
        std::string inner;
        Render(*n.kids[1], inner);
        size_t mark = locals_.size();
        locals_.emplace_back(kFilterInputName, Value(Json(std::move(inner))));
        Print(Eval(*n.kids[0]), out);
        locals_.resize(mark);
        break;
      }
      case Op::kWith: {
        size_t mark = locals_.size(), scope = scope_start_;
        scope_start_ = mark;
        Render(*n.kids[0], out);
        locals_.resize(mark);
        scope_start_ = scope;
        break;
      }
      case Op::kBody: Render(n, out); break;
      default: throw RenderError("internal error: unexpected statement");
    }
  }
  --depth_;
}

void Renderer::ExecFor(const Node& n, std::string& out) {
  current_line = n.line;
  const Node& iter_node = *n.kids[0];
  const Node* filter = n.kids[3].get();
  // `for k, v in d.items()` iterates the dict in place instead of building pairs.
  Value iterable;
  std::vector<Value> items;
  std::vector<std::pair<Value, Value>> pairs;
  bool dict_items = false;
  if (iter_node.op == Op::kCall && iter_node.kids.size() == 1 &&
      iter_node.kids[0]->op == Op::kGetAttr && iter_node.kids[0]->name == "items" &&
      n.names.size() == 2) {
    iterable = Eval(*iter_node.kids[0]->kids[0]);
    if (iterable.is_json() && iterable.json().is_object()) {
      dict_items = true;
      const Json& d = iterable.json();
      for (auto it = d.begin(); it != d.end(); ++it)
        pairs.emplace_back(Value(Json(it.key())), Value::Ref(it.value()));
    }
  }
  if (!dict_items) {
    iterable = Eval(iter_node);
    items = Iterate(iterable);
  }
  size_t count = dict_items ? pairs.size() : items.size();
  size_t mark = locals_.size(), scope = scope_start_;
  auto state = std::make_shared<LoopState>();
  auto bind = [&](size_t k) {
    if (dict_items) {
      locals_.emplace_back(n.names[0], pairs[k].first);
      locals_.emplace_back(n.names[1], pairs[k].second);
    } else if (n.names.size() == 1) {
      locals_.emplace_back(n.names[0], items[k]);
    } else {
      const Json& tuple = items[k].json();
      if (!tuple.is_array() || tuple.size() != n.names.size())
        throw RenderError(tuple.is_array() && tuple.size() > n.names.size()
                              ? fmt::format("too many values to unpack (expected {})", n.names.size())
                              : fmt::format("not enough values to unpack (expected {}, got {})",
                                            n.names.size(), tuple.is_array() ? tuple.size() : 1));
      for (size_t t = 0; t < n.names.size(); ++t) locals_.emplace_back(n.names[t], Value::Ref(tuple[t]));
    }
  };
  // A filtering `if` decides membership before the loop so loop.length counts kept items.
  std::vector<size_t> kept;
  kept.reserve(count);
  for (size_t k = 0; k < count; ++k) {
    if (filter) {
      bind(k);
      bool keep = PyTruthy(Eval(*filter).json());
      while (locals_.size() > mark) locals_.pop_back();
      if (!keep) continue;
    }
    kept.push_back(k);
  }
  if (!dict_items) {
    if (kept.size() != items.size()) {
      std::vector<Value> kept_items;
      kept_items.reserve(kept.size());
      for (size_t k : kept) kept_items.push_back(std::move(items[k]));
      items = std::move(kept_items);
      for (size_t k = 0; k < kept.size(); ++k) kept[k] = k;
    }
    state->items = &items;
  }
  state->length = kept.size();
  Value loop = Value::Object(Value::Kind::kLoop, state);
  for (size_t idx = 0; idx < kept.size(); ++idx) {
    state->index0 = idx;
    scope_start_ = mark;
    locals_.emplace_back("loop", loop);
    bind(kept[idx]);
    Render(*n.kids[1], out);
    while (locals_.size() > mark) locals_.pop_back();
  }
  scope_start_ = scope;
  if (kept.empty() && n.kids[2]) Render(*n.kids[2], out);
}

void Renderer::ExecSet(const Node& n, std::string& out) {
  (void)out;
  current_line = n.line;
  Value v;
  if (n.op == Op::kSet) {
    v = Eval(*n.kids[0]);
  } else {
    std::string inner;
    Render(*n.kids[0], inner);
    if (n.kids[1]) {
      size_t mark = locals_.size();
      locals_.emplace_back(kFilterInputName, Value(Json(std::move(inner))));
      v = Eval(*n.kids[1]);
      locals_.resize(mark);
    } else {
      v = Value(Json(std::move(inner)));
    }
  }
  if (v.is_json() && !n.names.empty() && v.json().is_null() == false) {
    // Values taken by reference stay valid: they point into variables or other locals.
  }
  if (n.names.size() == 1) {
    const std::string& target = n.names[0];
    size_t dot = target.find('.');
    if (dot != std::string::npos) {
      const Value* ns = FindLocal(std::string_view(target).substr(0, dot));
      if (!ns || ns->kind() != Value::Kind::kNamespace)
        throw RenderError("cannot assign attribute on non-namespace object");
      (*ns->object<Json>())[target.substr(dot + 1)] = v.Take();
      return;
    }
    if (v.undefined()) v.ThrowUndefined();
    SetLocal(target, std::move(v));
    return;
  }
  Json tuple = v.Take();
  if (!tuple.is_array() || tuple.size() != n.names.size())
    throw RenderError(fmt::format("not enough values to unpack (expected {})", n.names.size()));
  for (size_t k = 0; k < n.names.size(); ++k) SetLocal(n.names[k], Value(tuple[k]));
}

Args Renderer::EvalArgs(const Node& n, size_t first) {
  Args args;
  size_t npos = n.n_positional;
  args.positional.reserve(npos);
  for (size_t k = 0; k < npos; ++k) args.positional.push_back(Eval(*n.kids[first + k]));
  for (size_t k = 0; k < n.names.size(); ++k) {
    Value v = Eval(*n.kids[first + npos + k]);
    if (n.names[k] == "*") {
      for (Value& item : Iterate(v)) args.positional.push_back(std::move(item));
    } else if (n.names[k] == "**") {
      if (!v.is_json() || !v.json().is_object())
        throw RenderError("argument after ** must be a mapping");
      for (auto& [key, item] : v.json().items()) args.named.emplace_back(key, Value(item));
    } else {
      args.named.emplace_back(n.names[k], std::move(v));
    }
  }
  return args;
}

Value Renderer::ReadLazy(const Value& source, Value result) {
  if (!source.lazy() || !result.is_json()) return result;
  const Json& j = result.json();
  if (j.is_string() && ContainsTemplate(j.get_ref<const std::string&>())) {
    auto rendered = templar_.Render(j.get_ref<const std::string&>(), "");
    if (!rendered) throw RenderError(rendered.error().message);
    return Value(std::move(*rendered));
  }
  if (j.is_structured()) result.set_lazy(true);
  return result;
}

Value Renderer::EvalName(const Node& n) {
  if (const Value* local = FindLocal(n.name)) {
    if (local->is_json()) return Value::Ref(local->json());
    return *local;
  }
  auto resolved = templar_.Resolve(n.name);
  if (!resolved) throw RenderError(resolved.error().message);
  if (*resolved) {
    Value v = Value::Ref(**resolved);
    v.set_lazy(n.name == kLazyVariable);
    return v;
  }
  return Value::Undefined("'" + n.name + "' is undefined");
}

Value Renderer::Eval(const Node& n) {
  switch (n.op) {
    case Op::kLiteral: return Value::Ref(n.literal);
    case Op::kName: return EvalName(n);
    case Op::kGetAttr: {
      Value obj = Eval(*n.kids[0]);
      return ReadLazy(obj, Detach(obj, GetAttr(obj, n.name)));
    }
    case Op::kGetItem: {
      Value obj = Eval(*n.kids[0]);
      return ReadLazy(obj, Detach(obj, GetItem(obj, Eval(*n.kids[1]))));
    }
    case Op::kSlice: {
      Value obj = Eval(*n.kids[0]);
      const Json& j = obj.json();
      auto bound = [&](int k) -> std::optional<int64_t> {
        if (!n.kids[k]) return std::nullopt;
        Value bound_value = Eval(*n.kids[k]);  // keeps an owned Json alive
        const Json& b = bound_value.json();
        if (b.is_null()) return std::nullopt;
        if (!b.is_number_integer()) throw RenderError("slice indices must be integers or None");
        return b.get<int64_t>();
      };
      auto start = bound(1), stop = bound(2), step_opt = bound(3);
      int64_t step = step_opt.value_or(1);
      if (step == 0) throw RenderError("slice step cannot be zero");
      std::vector<std::string> cps;
      size_t size;
      if (j.is_array()) size = j.size();
      else if (j.is_string()) cps = CodePoints(j.get<std::string>()), size = cps.size();
      else throw RenderError(fmt::format("'{}' object is not subscriptable", PyTypeName(j)));
      int64_t len = size;
      auto clamp = [&](std::optional<int64_t> v, int64_t def) {
        if (!v) return def;
        int64_t x = *v < 0 ? *v + len : *v;
        if (step > 0) return std::clamp<int64_t>(x, 0, len);
        return std::clamp<int64_t>(x, -1, len - 1);
      };
      int64_t b = clamp(start, step > 0 ? 0 : len - 1), e = clamp(stop, step > 0 ? len : -1);
      Json out = j.is_array() ? Json::array() : Json("");
      for (int64_t k = b; step > 0 ? k < e : k > e; k += step) {
        if (j.is_array()) out.push_back(j[k]);
        else out.get_ref<std::string&>() += cps[k];
      }
      return Value(std::move(out));
    }
    case Op::kNeg:
    case Op::kPos: {
      Value operand = Eval(*n.kids[0]);  // keeps an owned Json alive
      const Json& v = operand.json();
      if (!v.is_number() && !v.is_boolean())
        throw RenderError(fmt::format("bad operand type for unary {}: '{}'", n.op == Op::kNeg ? '-' : '+', PyTypeName(v)));
      if (n.op == Op::kPos) return Value(v);
      if (v.is_number_float()) return Value(Json(-v.get<double>()));
      return Value(Json(-static_cast<int64_t>(ToDouble(v))));
    }
    case Op::kNot: return Value(Json(!PyTruthy(Eval(*n.kids[0]).json())));
    case Op::kAnd: {
      Value l = Eval(*n.kids[0]);
      if (!PyTruthy(l.json())) return l;
      return Eval(*n.kids[1]);
    }
    case Op::kOr: {
      Value l = Eval(*n.kids[0]);
      if (PyTruthy(l.json())) return l;
      return Eval(*n.kids[1]);
    }
    case Op::kConcat: {
      Value l = Eval(*n.kids[0]);
      Value r = Eval(*n.kids[1]);
      return Value(Json(PythonStr(l.json()) + PythonStr(r.json())));
    }
    case Op::kAdd:
    case Op::kSub:
    case Op::kMul:
    case Op::kDiv:
    case Op::kFloorDiv:
    case Op::kMod:
    case Op::kPow: return EvalArith(n);
    case Op::kCompare: return EvalCompare(n);
    case Op::kCondExpr: {
      if (PyTruthy(Eval(*n.kids[0]).json())) return Eval(*n.kids[1]);
      if (n.kids[2]) return Eval(*n.kids[2]);
      return Value::LenientUndefined(
          fmt::format("the inline if-expression on line {} evaluated to false and no else section was defined.", n.line));
    }
    case Op::kFilter: return EvalFilter(n);
    case Op::kTest: {
      Value input = Eval(*n.kids[0]);
      Args args = EvalArgs(n, 1);
      bool r = n.test(*this, input, args);
      return Value(Json(n.negated ? !r : r));
    }
    case Op::kCall: return EvalCall(n);
    case Op::kList:
    case Op::kTuple: {
      Json out = Json::array();
      for (const auto& k : n.kids) out.push_back(Eval(*k).Take());
      return Value(std::move(out));
    }
    case Op::kDict: {
      Json out = Json::object();
      for (size_t k = 0; k + 1 < n.kids.size(); k += 2) {
        Value key = Eval(*n.kids[k]);
        const Json& kj = key.json();
        std::string ks = kj.is_string() ? kj.get<std::string>() : PythonStr(kj);
        out[ks] = Eval(*n.kids[k + 1]).Take();
      }
      return Value(std::move(out));
    }
    default: throw RenderError("internal error: not an expression");
  }
}

Value Renderer::EvalFilter(const Node& n) {
  Value input = Eval(*n.kids[0]);
  Args args = EvalArgs(n, 1);
  return Detach(input, n.filter(*this, input, args));
}

Value Renderer::EvalCompare(const Node& n) {
  Value left = Eval(*n.kids[0]);
  for (size_t k = 0; k < n.names.size(); ++k) {
    Value right = Eval(*n.kids[k + 1]);
    const std::string& op = n.names[k];
    const Json& a = left.json();
    const Json& b = right.json();
    bool r;
    if (op == "==") r = PyEquals(a, b);
    else if (op == "!=") r = !PyEquals(a, b);
    else if (op == "in" || op == "notin") {
      if (b.is_string()) {
        if (!a.is_string())
          throw RenderError(fmt::format("'in <string>' requires string as left operand, not {}", PyTypeName(a)));
        r = b.get_ref<const std::string&>().find(a.get_ref<const std::string&>()) != std::string::npos;
      } else if (b.is_array()) {
        r = std::any_of(b.begin(), b.end(), [&](const Json& e) { return PyEquals(a, e); });
      } else if (b.is_object()) {
        r = a.is_string() && b.contains(a.get_ref<const std::string&>());
      } else {
        throw RenderError(fmt::format("argument of type '{}' is not iterable", PyTypeName(b)));
      }
      if (op == "notin") r = !r;
    } else {
      int c = PyCompare(a, b, op.c_str());
      r = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
    }
    if (!r) return Value(Json(false));
    left = std::move(right);
  }
  return Value(Json(true));
}

namespace {

// Python's ints are unbounded; tend's are 64-bit, and a result that does not
// fit is an error, never a silently wrapped number (issue 21: 2**64 gave 0).
[[noreturn]] void IntegerOverflow(int64_t x, const char* sym, int64_t y) {
  throw RenderError(fmt::format(
      "integer overflow: {} {} {} does not fit in 64 bits (tend's integers are 64-bit; Python's "
      "are unbounded)",
      x, sym, y));
}

// x ** y for y >= 0 by squaring: checked, and quick for any exponent.
int64_t IntPow(int64_t x, int64_t y) {
  int64_t result = 1, base = x, e = y;
  while (e > 0) {
    if ((e & 1) && __builtin_mul_overflow(result, base, &result)) IntegerOverflow(x, "**", y);
    e >>= 1;
    if (e > 0 && __builtin_mul_overflow(base, base, &base)) IntegerOverflow(x, "**", y);
  }
  return result;
}

// A list or string repeated past this is refused before it is built (issue 21:
// `[1] * 10**9` ended in std::bad_alloc).
constexpr uint64_t kMaxRepeatedSize = 100'000'000;

}  // namespace

Value Arith(Op op, const Json& a, const Json& b) {
  static const char* kSym[] = {"+", "-", "*", "/", "//", "%", "**"};
  const char* sym = kSym[static_cast<int>(op) - static_cast<int>(Op::kAdd)];
  auto unsupported = [&]() -> Value {
    throw RenderError(fmt::format("unsupported operand type(s) for {}: '{}' and '{}'", sym,
                                  PyTypeName(a), PyTypeName(b)));
  };
  bool an = a.is_number() || a.is_boolean(), bn = b.is_number() || b.is_boolean();
  if (an && bn) {
    bool ints = !a.is_number_float() && !b.is_number_float();
    if (ints) {
      int64_t x = a.is_boolean() ? a.get<bool>() : a.get<int64_t>();
      int64_t y = b.is_boolean() ? b.get<bool>() : b.get<int64_t>();
      int64_t r = 0;
      switch (op) {
        case Op::kAdd:
          if (__builtin_add_overflow(x, y, &r)) IntegerOverflow(x, sym, y);
          return Value(Json(r));
        case Op::kSub:
          if (__builtin_sub_overflow(x, y, &r)) IntegerOverflow(x, sym, y);
          return Value(Json(r));
        case Op::kMul:
          if (__builtin_mul_overflow(x, y, &r)) IntegerOverflow(x, sym, y);
          return Value(Json(r));
        case Op::kDiv:
          if (y == 0) throw RenderError("division by zero");
          return Value(Json(static_cast<double>(x) / y));
        case Op::kFloorDiv: {
          if (y == 0) throw RenderError("integer division or modulo by zero");
          int64_t q = x / y;
          if ((x % y != 0) && ((x < 0) != (y < 0))) --q;
          return Value(Json(q));
        }
        case Op::kMod: {
          if (y == 0) throw RenderError("integer division or modulo by zero");
          int64_t m = x % y;
          if (m != 0 && ((m < 0) != (y < 0))) m += y;
          return Value(Json(m));
        }
        case Op::kPow:
          if (y < 0) return Value(Json(std::pow(static_cast<double>(x), static_cast<double>(y))));
          return Value(Json(IntPow(x, y)));
        default: break;
      }
    }
    double x = ToDouble(a), y = ToDouble(b);
    switch (op) {
      case Op::kAdd: return Value(Json(x + y));
      case Op::kSub: return Value(Json(x - y));
      case Op::kMul: return Value(Json(x * y));
      case Op::kDiv:
        if (y == 0) throw RenderError("float division by zero");
        return Value(Json(x / y));
      case Op::kFloorDiv:
        if (y == 0) throw RenderError("float divmod()");
        return Value(Json(std::floor(x / y)));
      case Op::kMod: {
        if (y == 0) throw RenderError("float modulo");
        double m = std::fmod(x, y);
        if (m != 0 && ((m < 0) != (y < 0))) m += y;
        return Value(Json(m));
      }
      case Op::kPow: return Value(Json(std::pow(x, y)));
      default: break;
    }
  }
  if (op == Op::kAdd) {
    if (a.is_string() && b.is_string()) return Value(Json(a.get<std::string>() + b.get<std::string>()));
    if (a.is_array() && b.is_array()) {
      Json out = a;
      for (const auto& e : b) out.push_back(e);
      return Value(std::move(out));
    }
  }
  if (op == Op::kMul) {
    const Json* seq = (a.is_string() || a.is_array()) ? &a : (b.is_string() || b.is_array()) ? &b : nullptr;
    const Json* count = seq == &a ? &b : &a;
    if (seq && (count->is_number_integer() || count->is_boolean())) {
      int64_t c = count->is_boolean() ? count->get<bool>() : count->get<int64_t>();
      size_t unit = seq->is_string() ? seq->get_ref<const std::string&>().size() : seq->size();
      if (c > 0 && unit > 0 && static_cast<uint64_t>(c) > kMaxRepeatedSize / unit) {
        throw RenderError(fmt::format(
            "the result of {} * {} would hold more than {} {}; tend bounds repeated sequences",
            PyTypeName(*seq), c, kMaxRepeatedSize, seq->is_string() ? "characters" : "items"));
      }
      Json out = seq->is_string() ? Json("") : Json::array();
      for (int64_t k = 0; k < c; ++k) {
        if (seq->is_string()) out.get_ref<std::string&>() += seq->get_ref<const std::string&>();
        else
          for (const auto& e : *seq) out.push_back(e);
      }
      return Value(std::move(out));
    }
  }
  if (op == Op::kMod && a.is_string()) return Value(Json(PyPercentFormat(a.get<std::string>(), b)));
  return unsupported();
}

Value Renderer::EvalArith(const Node& n) {
  Value l = Eval(*n.kids[0]);
  Value r = Eval(*n.kids[1]);
  return Arith(n.op, l.json(), r.json());
}

namespace {

// Ansible's now(utc=False, fmt=None): the time, formatted with strftime (and
// Python's %f for microseconds) or as str(datetime) without a format.
std::string Now(const Args& args) {
  const Value* utc = args.Get(0, "utc");
  const Value* fmt_arg = args.Get(1, "fmt");
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  long micros = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000);
  std::tm tm{};
  if (utc && PyTruthy(utc->json())) gmtime_r(&secs, &tm);
  else localtime_r(&secs, &tm);
  std::string format = fmt_arg && !fmt_arg->json().is_null() ? PythonStr(fmt_arg->json()) : "%Y-%m-%d %H:%M:%S.%f";
  std::string expanded;
  for (size_t k = 0; k < format.size(); ++k) {
    if (format[k] == '%' && k + 1 < format.size() && format[k + 1] == 'f') {
      expanded += fmt::format("{:06d}", micros);
      ++k;
    } else if (format[k] == '%' && k + 1 < format.size() && format[k + 1] == '%') {
      expanded += "%%";
      ++k;
    } else {
      expanded += format[k];
    }
  }
  char buf[512];
  size_t n = std::strftime(buf, sizeof buf, expanded.c_str(), &tm);
  return std::string(buf, n);
}

}  // namespace

Value Renderer::EvalCall(const Node& n) {
  const Node& callee = *n.kids[0];
  if (callee.op == Op::kName) {
    const Value* local = FindLocal(callee.name);
    if (!local) {
      static const char* kGlobals[] = {"range", "lookup", "query", "q", "dict", "namespace",
                                       "lipsum", "zip", "undef", "now"};
      for (const char* g : kGlobals)
        if (callee.name == g) return CallGlobal(callee.name, EvalArgs(n, 1));
    }
  }
  if (callee.op == Op::kGetAttr) {
    Value self = Eval(*callee.kids[0]);
    if (self.kind() == Value::Kind::kLoop && callee.name == "cycle") {
      Args args = EvalArgs(n, 1);
      if (args.positional.empty()) throw RenderError("no items for cycling given");
      auto* s = self.object<LoopState>();
      return args.positional[s->index0 % args.positional.size()];
    }
    if (self.is_json()) {
      const Json& j = self.json();
      if (j.is_string() || j.is_array() || j.is_object()) {
        Args args = EvalArgs(n, 1);
        return Detach(self, CallMethod(self, callee.name, args));
      }
    }
    if (self.undefined()) self.ThrowUndefined();
    Value attr = GetAttr(self, callee.name);
    return CallValue(attr, EvalArgs(n, 1), nullptr);
  }
  Value fn = Eval(callee);
  return CallValue(fn, EvalArgs(n, 1), nullptr);
}

Value Renderer::CallValue(const Value& callee, const Args& args, const Node* caller_node) {
  if (callee.undefined()) callee.ThrowUndefined();
  if (callee.kind() != Value::Kind::kMacro)
    throw RenderError(fmt::format("'{}' object is not callable", PyTypeName(callee.json())));
  const MacroDef& m = *callee.object<MacroDef>();
  size_t mark = locals_.size(), scope = scope_start_;
  std::vector<Value> bound(m.params.size());
  std::vector<bool> set(m.params.size(), false);
  Json varargs = Json::array();
  Json kwargs = Json::object();
  for (size_t k = 0; k < args.positional.size(); ++k) {
    if (k < m.params.size()) bound[k] = args.positional[k], set[k] = true;
    else varargs.push_back(args.positional[k].json());
  }
  for (const auto& [name, v] : args.named) {
    auto it = std::find(m.params.begin(), m.params.end(), name);
    if (it == m.params.end()) {
      kwargs[name] = v.json();
      continue;
    }
    bound[it - m.params.begin()] = v;
    set[it - m.params.begin()] = true;
  }
  if (!kwargs.empty())
    throw RenderError(fmt::format("macro '{}' takes no keyword argument '{}'", m.name, kwargs.begin().key()));
  if (varargs.size() > 0)
    throw RenderError(fmt::format("macro '{}' takes not more than {} argument(s)", m.name, m.params.size()));
  std::vector<Value> defaults(m.params.size());
  for (size_t k = 0; k < m.params.size(); ++k)
    if (!set[k] && m.defaults[k]) defaults[k] = Eval(*m.defaults[k]);
  scope_start_ = mark;
  for (size_t k = 0; k < m.params.size(); ++k) {
    if (set[k]) locals_.emplace_back(m.params[k], bound[k]);
    else if (m.defaults[k]) locals_.emplace_back(m.params[k], defaults[k]);
    else locals_.emplace_back(m.params[k], Value::Undefined(fmt::format("parameter '{}' was not provided", m.params[k])));
  }
  if (caller_node)
    locals_.emplace_back("caller", Value::Object(Value::Kind::kMacro, std::shared_ptr<void>(caller_node->macro)));
  std::string out;
  Render(*m.body, out);
  locals_.resize(mark);
  scope_start_ = scope;
  return Value(Json(std::move(out)));
}

Value Renderer::CallMethod(const Value& self, const std::string& name, const Args& args) {
  const Json& j = self.json();
  auto arg = [&](size_t i, const char* n) -> const Json* {
    const Value* v = args.Get(i, n);
    return v ? &v->json() : nullptr;
  };
  auto str_arg = [&](size_t i, const char* n) -> std::string {
    const Json* a = arg(i, n);
    if (!a) throw RenderError(fmt::format("{}() missing required argument", name));
    if (!a->is_string()) throw RenderError(fmt::format("must be str, not {}", PyTypeName(*a)));
    return a->get<std::string>();
  };
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    if (name == "split" || name == "rsplit") {
      const Json* sep = arg(0, "sep");
      const Json* maxs = arg(1, "maxsplit");
      return Value(PySplit(s, sep, maxs ? maxs->get<int64_t>() : -1, name == "rsplit"));
    }
    if (name == "startswith" || name == "endswith") {
      const Json* p = arg(0, "prefix");
      std::vector<std::string> options;
      if (p && p->is_array())
        for (auto& e : *p) options.push_back(e.get<std::string>());
      else options.push_back(str_arg(0, "prefix"));
      for (auto& o : options) {
        bool hit = name == "startswith" ? s.rfind(o, 0) == 0
                                        : s.size() >= o.size() && s.compare(s.size() - o.size(), o.size(), o) == 0;
        if (hit) return Value(Json(true));
      }
      return Value(Json(false));
    }
    if (name == "strip" || name == "lstrip" || name == "rstrip") {
      const Json* c = arg(0, "chars");
      std::string chars = c && c->is_string() ? c->get<std::string>() : "";
      return Value(Json(StripChars(s, c && c->is_string() ? &chars : nullptr, name != "rstrip", name != "lstrip")));
    }
    if (name == "lower") return Value(Json(PyLower(s)));
    if (name == "upper") return Value(Json(PyUpper(s)));
    if (name == "capitalize") return Value(Json(PyCapitalize(s)));
    if (name == "title") return Value(Json(PyTitle(s)));
    if (name == "replace") {
      const Json* c = arg(2, "count");
      return Value(Json(ReplaceAll(s, str_arg(0, "old"), str_arg(1, "new"), c ? c->get<int64_t>() : -1)));
    }
    if (name == "join") {
      const Json* it = arg(0, "iterable");
      if (!it) throw RenderError("join() takes exactly one argument (0 given)");
      std::vector<Value> items = Iterate(args.positional[0]);
      std::string out;
      for (size_t k = 0; k < items.size(); ++k) {
        if (k) out += s;
        const Json& e = items[k].json();
        if (!e.is_string())
          throw RenderError(fmt::format("sequence item {}: expected str instance, {} found", k, PyTypeName(e)));
        out += e.get_ref<const std::string&>();
      }
      return Value(Json(std::move(out)));
    }
    if (name == "format") {
      std::vector<Json> pos;
      for (const auto& v : args.positional) pos.push_back(v.json());
      Json kw = Json::object();
      for (const auto& [k, v] : args.named) kw[k] = v.json();
      return Value(Json(PyStrFormat(s, pos, kw)));
    }
    if (name == "find" || name == "index" || name == "rfind") {
      std::string sub = str_arg(0, "sub");
      size_t f = name == "rfind" ? s.rfind(sub) : s.find(sub);
      if (f == std::string::npos) {
        if (name == "index") throw RenderError("substring not found");
        return Value(Json(-1));
      }
      return Value(Json(static_cast<int64_t>(f)));
    }
    if (name == "count") {
      std::string sub = str_arg(0, "sub");
      int64_t c = 0;
      for (size_t p = s.find(sub); p != std::string::npos && !sub.empty(); p = s.find(sub, p + sub.size())) ++c;
      return Value(Json(c));
    }
    if (name == "splitlines") {
      Json out = Json::array();
      std::string cur;
      for (size_t k = 0; k < s.size(); ++k) {
        if (s[k] == '\n' || s[k] == '\r') {
          out.push_back(cur);
          cur.clear();
          if (s[k] == '\r' && k + 1 < s.size() && s[k + 1] == '\n') ++k;
        } else {
          cur += s[k];
        }
      }
      if (!cur.empty()) out.push_back(cur);
      return Value(std::move(out));
    }
    auto all_of = [&](int (*pred)(int)) {
      if (s.empty()) return false;
      return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
    };
    if (name == "isdigit") return Value(Json(all_of(isdigit)));
    if (name == "isalpha") return Value(Json(all_of(isalpha)));
    if (name == "isalnum") return Value(Json(all_of(isalnum)));
    if (name == "isspace") return Value(Json(all_of(isspace)));
    if (name == "islower") return Value(Json(PyLower(s) == s && PyUpper(s) != s));
    if (name == "isupper") return Value(Json(PyUpper(s) == s && PyLower(s) != s));
    if (name == "zfill") {
      int64_t w = arg(0, "width")->get<int64_t>();
      std::string body = s;
      std::string sign;
      if (!body.empty() && (body[0] == '-' || body[0] == '+')) sign = body.substr(0, 1), body.erase(0, 1);
      if (static_cast<int64_t>(s.size()) >= w) return Value(Json(s));
      return Value(Json(sign + std::string(w - s.size(), '0') + body));
    }
    if (name == "center" || name == "ljust" || name == "rjust") {
      int64_t w = arg(0, "width")->get<int64_t>();
      const Json* f = arg(1, "fillchar");
      char fill = f ? f->get<std::string>()[0] : ' ';
      int64_t pad = w - static_cast<int64_t>(CodePoints(s).size());
      if (pad <= 0) return Value(Json(s));
      if (name == "ljust") return Value(Json(s + std::string(pad, fill)));
      if (name == "rjust") return Value(Json(std::string(pad, fill) + s));
      int64_t left = pad / 2 + (pad & w & 1);
      return Value(Json(std::string(left, fill) + s + std::string(pad - left, fill)));
    }
  } else if (j.is_object()) {
    if (name == "items") {
      Json out = Json::array();
      for (auto it = j.begin(); it != j.end(); ++it) out.push_back(Json::array({it.key(), it.value()}));
      return Value(std::move(out));
    }
    if (name == "keys") {
      Json out = Json::array();
      for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
      return Value(std::move(out));
    }
    if (name == "values") {
      Json out = Json::array();
      for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.value());
      return Value(std::move(out));
    }
    if (name == "get") {
      const Json* k = arg(0, "key");
      if (k && k->is_string()) {
        auto it = j.find(k->get_ref<const std::string&>());
        if (it != j.end()) return Value::Ref(*it);
      }
      const Value* d = args.Get(1, "default");
      return d ? *d : Value(Json(nullptr));
    }
    if (name == "copy") return Value(j);
    auto it = j.find(name);
    if (it != j.end()) return CallValue(Value::Ref(*it), args, nullptr);
  } else if (j.is_array()) {
    if (name == "index") {
      const Json* x = arg(0, "value");
      for (size_t k = 0; k < j.size(); ++k)
        if (x && PyEquals(j[k], *x)) return Value(Json(k));
      throw RenderError(fmt::format("{} is not in list", x ? PythonRepr(*x) : "None"));
    }
    if (name == "count") {
      const Json* x = arg(0, "value");
      int64_t c = 0;
      for (const auto& e : j) c += x && PyEquals(e, *x);
      return Value(Json(c));
    }
    if (name == "copy") return Value(j);
  }
  throw RenderError(fmt::format("'{}' has no attribute '{}'", ObjectTypeRepr(j), name));
}

Value Renderer::CallGlobal(const std::string& name, const Args& args) {
  if (name == "range") {
    std::vector<int64_t> a;
    for (const auto& v : args.positional) {
      const Json& j = v.json();
      if (!j.is_number_integer() && !j.is_boolean())
        throw RenderError(fmt::format("'{}' object cannot be interpreted as an integer", PyTypeName(j)));
      a.push_back(j.is_boolean() ? j.get<bool>() : j.get<int64_t>());
    }
    int64_t start = 0, stop = 0, step = 1;
    if (a.size() == 1) stop = a[0];
    else if (a.size() >= 2) start = a[0], stop = a[1];
    if (a.size() == 3) step = a[2];
    if (a.empty() || a.size() > 3) throw RenderError("range expected at most 3 arguments");
    if (step == 0) throw RenderError("range() arg 3 must not be zero");
    Json out = Json::array();
    if (std::abs((stop - start) / step) > 100000) throw RenderError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
    for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) out.push_back(k);
    return Value(std::move(out));
  }
  if (name == "lookup") return RunLookup(*this, args.positional.empty() ? "" : args.positional[0].json().get<std::string>(), args, false);
  if (name == "query" || name == "q") return RunLookup(*this, args.positional.empty() ? "" : args.positional[0].json().get<std::string>(), args, true);
  if (name == "dict") {
    Json out = Json::object();
    if (!args.positional.empty()) {
      const Json& src = args.positional[0].json();
      if (src.is_object()) out = src;
      else
        for (const auto& pair : src) out[PythonStr(pair[0])] = pair[1];
    }
    for (const auto& [k, v] : args.named) out[k] = v.json();
    return Value(std::move(out));
  }
  if (name == "namespace") {
    auto ns = std::make_shared<Json>(Json::object());
    if (!args.positional.empty() && args.positional[0].json().is_object()) *ns = args.positional[0].json();
    for (const auto& [k, v] : args.named) (*ns)[k] = v.json();
    return Value::Object(Value::Kind::kNamespace, ns);
  }
  if (name == "zip") {
    Json out = Json::array();
    size_t n = SIZE_MAX;
    for (const auto& v : args.positional) n = std::min(n, v.json().size());
    for (size_t k = 0; k < n && !args.positional.empty(); ++k) {
      Json row = Json::array();
      for (const auto& v : args.positional) row.push_back(v.json()[k]);
      out.push_back(std::move(row));
    }
    return Value(std::move(out));
  }
  if (name == "now") return Value(Json(Now(args)));
  if (name == "undef") return Value::Undefined(args.positional.empty() ? "undef() was used" : PythonStr(args.positional[0].json()));
  throw RenderError("'" + name + "' is undefined");
}

namespace {

// A name Ansible's plugin loader can resolve: dotted Python identifiers.
bool IsPluginName(std::string_view name) {
  bool start = true;
  for (char c : name) {
    if (c == '.' && !start) {
      start = true;
      continue;
    }
    bool letter = std::isalpha(static_cast<unsigned char>(c)) || c == '_';
    if (!letter && (start || !std::isdigit(static_cast<unsigned char>(c)))) return false;
    start = false;
  }
  return !start;
}

// Jinja's "No filter named 'x'." for a name that could exist; a name that
// cannot (`select("x", "asdf ")`) is refused by Ansible's plugin loader with
// its own words.
RenderError NoPlugin(std::string_view kind, std::string_view name) {
  if (IsPluginName(name)) return RenderError(fmt::format("No {} named '{}'.", kind, name));
  std::string fqcn = name.find('.') == std::string_view::npos ? fmt::format("ansible.builtin.{}", name)
                                                              : std::string(name);
  return RenderError(fmt::format(
      "TemplateSyntaxError: Could not load \"{}\": 'invalid plugin name: {}'", name, fqcn));
}

}  // namespace

Value Renderer::ApplyFilter(std::string_view name, Value input, const Args& args) {
  FilterFn f = FindFilter(name);
  if (!f) throw NoPlugin("filter", name);
  return f(*this, input, args);
}

bool Renderer::ApplyTest(std::string_view name, const Value& input, const Args& args) {
  TestFn t = FindTest(name);
  if (!t) throw NoPlugin("test", name);
  return t(*this, input, args);
}

void Renderer::ExecInclude(const Node& n, std::string& out) {
  current_line = n.line;
  Value name = Eval(*n.kids[0]);
  std::vector<std::string> candidates;
  const Json& j = name.json();
  if (j.is_array())
    for (auto& e : j) candidates.push_back(PythonStr(e));
  else candidates.push_back(PythonStr(j));
  for (const auto& c : candidates) {
    auto text = templar_.RenderFile(c, /*preserve_trailing_newlines=*/false);
    if (text) {
      out += *text;
      return;
    }
    if (text.error().message.find("could not be found") == std::string::npos)
      throw RenderError(text.error().ToString());
  }
  if (!n.negated) throw RenderError(fmt::format("the template file {} could not be found", candidates.empty() ? "" : candidates[0]));
}

}  // namespace tend::jinja
