// Filters on lists and sets: join, length, first/last, min/max/sum, sort/unique,
// map/select/reject, groupby, batch/slice, flatten, zip, product, the set operations.

#include <algorithm>

#include <fmt/format.h>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {
namespace {

Value MinMax(Value& in, const Args& a, bool max) {
  std::vector<Json> items = ToList(in);
  if (items.empty()) return Value::Undefined(fmt::format("No aggregated item, sequence was empty."));
  bool cs = OptBool(a, 0, "case_sensitive", false);
  std::string attr = OptStr(a, 1, "attribute", "");
  PySort(items, false, cs, attr);
  return Value(max ? items.back() : items.front());
}
Value SelectReject(Renderer& r, Value& in, const Args& a, bool select, bool by_attr) {
  Json out = Json::array();
  size_t first = 0;
  std::string attr;
  if (by_attr) {
    attr = PythonStr(Arg(a, 0, "attribute"));
    first = 1;
  }
  std::string test = a.positional.size() > first ? PythonStr(a.positional[first].json()) : "";
  Args rest;
  if (a.positional.size() > first + 1) rest.positional.assign(a.positional.begin() + first + 1, a.positional.end());
  for (auto& e : Iterate(in)) {
    Value subject = e;
    if (by_attr) {
      Value cur = e;
      size_t pos = 0;
      while (true) {
        size_t dot = attr.find('.', pos);
        cur = GetAttr(cur, attr.substr(pos, dot == std::string::npos ? dot : dot - pos));
        if (dot == std::string::npos) break;
        pos = dot + 1;
      }
      subject = cur;
    }
    bool hit = test.empty() ? PyTruthy(subject.json()) : r.ApplyTest(test, subject, rest);
    if (hit == select) out.push_back(e.json());
  }
  return Value(std::move(out));
}
void Flatten(const Json& list, int64_t levels, bool skip_nulls, Json& out) {
  for (const auto& e : list) {
    if (skip_nulls && (e.is_null() || (e.is_string() && (e == "None")))) continue;
    if (e.is_array() && levels != 0) Flatten(e, levels - 1, skip_nulls, out);
    else out.push_back(e);
  }
}
bool Contains(const std::vector<Json>& v, const Json& x) {
  return std::any_of(v.begin(), v.end(), [&](const Json& e) { return PyEquals(e, x); });
}
std::vector<Json> Unique(const std::vector<Json>& v) {
  std::vector<Json> out;
  for (auto& e : v)
    if (!Contains(out, e)) out.push_back(e);
  return out;
}

}  // namespace

Json AttributePath(const Json& item, const std::string& attribute) {
  const Json* cur = &item;
  size_t pos = 0;
  while (pos <= attribute.size()) {
    size_t dot = attribute.find('.', pos);
    std::string part = attribute.substr(pos, dot == std::string::npos ? dot : dot - pos);
    if (cur->is_object()) {
      auto it = cur->find(part);
      if (it == cur->end()) throw RenderError(fmt::format("'{}' has no attribute '{}'", cur->is_null() ? "None" : PyTypeName(*cur) + " object", part));
      cur = &*it;
    } else if (cur->is_array() && !part.empty() && isdigit(static_cast<unsigned char>(part[0]))) {
      size_t k = std::stoul(part);
      if (k >= cur->size()) throw RenderError("list index out of range");
      cur = &(*cur)[k];
    } else {
      throw RenderError(fmt::format("'{}' has no attribute '{}'", cur->is_null() ? "None" : PyTypeName(*cur) + " object", part));
    }
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  return *cur;
}
void PySort(std::vector<Json>& items, bool reverse, bool case_sensitive, const std::string& attribute) {
  auto key = [&](const Json& v) -> Json {
    Json k = attribute.empty() ? v : AttributePath(v, attribute);
    if (!case_sensitive && k.is_string()) return PyLower(k.get<std::string>());
    return k;
  };
  std::vector<std::pair<Json, Json>> keyed;
  keyed.reserve(items.size());
  for (auto& v : items) keyed.emplace_back(key(v), std::move(v));
  std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& a, const auto& b) {
    return reverse ? PyCompare(b.first, a.first, "<") < 0 : PyCompare(a.first, b.first, "<") < 0;
  });
  items.clear();
  for (auto& [k, v] : keyed) items.push_back(std::move(v));
}

Value FJoin(Renderer&, Value& in, const Args& a) {
  std::string sep = OptStr(a, 0, "d", "");
  const Json* attr = Opt(a, 1, "attribute");
  std::string out;
  if (!attr && in.is_json() && in.json().is_array()) {
    bool first = true;
    for (const auto& e : in.json()) {
      if (!first) out += sep;
      first = false;
      AppendPythonStr(e, out);
    }
    return Value(Json(std::move(out)));
  }
  bool first = true;
  for (auto& e : Iterate(in)) {
    if (!first) out += sep;
    first = false;
    out += PythonStr(attr ? AttributePath(e.json(), attr->get<std::string>()) : e.json());
  }
  return Value(Json(std::move(out)));
}
Value FList(Renderer&, Value& in, const Args&) { return Value(ListJson(ToList(in))); }
Value FLength(Renderer&, Value& in, const Args&) {
  const Json& j = in.json();
  if (j.is_string()) {
    int64_t n = 0;
    for (unsigned char c : j.get_ref<const std::string&>()) n += (c & 0xC0) != 0x80;
    return Value(Json(n));
  }
  if (j.is_array() || j.is_object()) return Value(Json(j.size()));
  throw RenderError(fmt::format("object of type '{}' has no len()", PyTypeName(j)));
}
Value FFirst(Renderer&, Value& in, const Args&) {
  auto items = Iterate(in);
  if (items.empty()) return Value::Undefined("No first item, sequence was empty.");
  return items.front();
}
Value FLast(Renderer&, Value& in, const Args&) {
  auto items = Iterate(in);
  if (items.empty()) return Value::Undefined("No last item, sequence was empty.");
  return items.back();
}
Value FMin(Renderer&, Value& in, const Args& a) { return MinMax(in, a, false); }
Value FMax(Renderer&, Value& in, const Args& a) {
  std::vector<Json> items = ToList(in);
  if (items.empty()) return Value::Undefined("No aggregated item, sequence was empty.");
  bool cs = OptBool(a, 0, "case_sensitive", false);
  std::string attr = OptStr(a, 1, "attribute", "");
  // max keeps the first of equal maxima
  size_t best = 0;
  for (size_t k = 1; k < items.size(); ++k) {
    Json x = attr.empty() ? items[k] : AttributePath(items[k], attr);
    Json y = attr.empty() ? items[best] : AttributePath(items[best], attr);
    if (!cs && x.is_string()) x = PyLower(x.get<std::string>()), y = PyLower(PythonStr(y));
    if (PyCompare(x, y, ">") > 0) best = k;
  }
  return Value(items[best]);
}
Value FSum(Renderer&, Value& in, const Args& a) {
  std::string attr = OptStr(a, 0, "attribute", "");
  Json total = 0;
  if (const Json* s = Opt(a, 1, "start")) total = *s;
  for (auto& e : Iterate(in)) total = Arith(Op::kAdd, total, attr.empty() ? e.json() : AttributePath(e.json(), attr)).Take();
  return Value(std::move(total));
}
Value FSort(Renderer&, Value& in, const Args& a) {
  std::vector<Json> items = ToList(in);
  const Json* attr = Opt(a, 2, "attribute");
  PySort(items, OptBool(a, 0, "reverse", false), OptBool(a, 1, "case_sensitive", false),
         attr ? PythonStr(*attr) : "");
  return Value(ListJson(std::move(items)));
}
Value FUnique(Renderer&, Value& in, const Args& a) {
  bool cs = OptBool(a, 0, "case_sensitive", false);
  const Json* attr = Opt(a, 1, "attribute");
  std::vector<Json> out, keys;
  for (auto& e : Iterate(in)) {
    Json k = attr ? AttributePath(e.json(), PythonStr(*attr)) : e.json();
    if (!cs && k.is_string()) k = PyLower(k.get<std::string>());
    if (std::none_of(keys.begin(), keys.end(), [&](const Json& x) { return PyEquals(x, k); })) {
      keys.push_back(k);
      out.push_back(e.json());
    }
  }
  return Value(ListJson(std::move(out)));
}
Value FReverse(Renderer&, Value& in, const Args&) {
  const Json& j = in.json();
  if (j.is_string()) {
    std::vector<Value> cps = Iterate(in);
    std::string out;
    for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += it->json().get<std::string>();
    return Value(Json(out));
  }
  std::vector<Json> items = ToList(in);
  std::reverse(items.begin(), items.end());
  return Value(ListJson(std::move(items)));
}
// map/select/reject: the first argument names a filter or test, or attribute=.
Value FMap(Renderer& r, Value& in, const Args& a) {
  Json out = Json::array();
  const Json* attr = nullptr;
  for (const auto& [k, v] : a.named)
    if (k == "attribute") attr = &v.json();
  if (attr) {
    const Json* def = nullptr;
    for (const auto& [k, v] : a.named)
      if (k == "default") def = &v.json();
    for (auto& e : Iterate(in)) {
      try {
        out.push_back(AttributePath(e.json(), PythonStr(*attr)));
      } catch (const RenderError&) {
        if (!def) throw RenderError(fmt::format("'{}' has no attribute '{}'", PyTypeName(e.json()) == "dict" ? "dict object" : PyTypeName(e.json()) + " object", PythonStr(*attr)), true);
        out.push_back(*def);
      }
    }
    return Value(std::move(out));
  }
  if (a.positional.empty()) return Value(ListJson(ToList(in)));
  std::string name = PythonStr(a.positional[0].json());
  Args rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.named = a.named;
  for (auto& e : Iterate(in)) out.push_back(r.ApplyFilter(name, e, rest).Take());
  return Value(std::move(out));
}
Value FSelect(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, true, false); }
Value FReject(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, false, false); }
Value FSelectAttr(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, true, true); }
Value FRejectAttr(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, false, true); }
Value FGroupBy(Renderer&, Value& in, const Args& a) {
  std::string attr = PythonStr(Arg(a, 0, "attribute"));
  std::vector<Json> items = ToList(in);
  PySort(items, false, true, attr);
  Json out = Json::array();
  for (auto& e : items) {
    Json key = AttributePath(e, attr);
    if (out.empty() || !PyEquals(out.back()[0], key)) out.push_back(Json::array({key, Json::array()}));
    out.back()[1].push_back(e);
  }
  return Value(std::move(out));
}
Value FBatch(Renderer&, Value& in, const Args& a) {
  int64_t n = OptInt(a, 0, "linecount", 1);
  const Json* fill = Opt(a, 1, "fill_with");
  Json out = Json::array();
  for (auto& e : ToList(in)) {
    if (out.empty() || static_cast<int64_t>(out.back().size()) == n) out.push_back(Json::array());
    out.back().push_back(e);
  }
  if (fill && !out.empty())
    while (static_cast<int64_t>(out.back().size()) < n) out.back().push_back(*fill);
  return Value(std::move(out));
}
Value FSlice(Renderer&, Value& in, const Args& a) {
  std::vector<Json> items = ToList(in);
  int64_t slices = OptInt(a, 0, "slices", 1);
  const Json* fill = Opt(a, 1, "fill_with");
  int64_t len = items.size();
  // Python's `length // slices` (found by fuzz_template: it was a SIGFPE).
  if (slices == 0) throw RenderError("integer division or modulo by zero");
  int64_t per = len / slices, extra = len % slices;
  Json out = Json::array();
  int64_t offset = 0;
  for (int64_t k = 0; k < slices; ++k) {
    int64_t start = offset + k * per;
    if (k < extra) offset++;
    int64_t end = offset + (k + 1) * per;
    Json part = Json::array();
    for (int64_t i = start; i < end; ++i) part.push_back(items[i]);
    if (fill && k >= extra) part.push_back(*fill);
    out.push_back(std::move(part));
  }
  return Value(std::move(out));
}
Value FFlatten(Renderer&, Value& in, const Args& a) {
  const Json* levels = Opt(a, 0, "levels");
  Json out = Json::array();
  Flatten(in.json(), levels && !levels->is_null() ? levels->get<int64_t>() : -1, OptBool(a, 1, "skip_nulls", true), out);
  return Value(std::move(out));
}
Value FZip(Renderer&, Value& in, const Args& a) {
  std::vector<Json> lists = {in.Take()};
  for (const auto& v : a.positional) lists.push_back(v.json());
  size_t n = SIZE_MAX;
  for (auto& l : lists) n = std::min(n, l.size());
  Json out = Json::array();
  for (size_t k = 0; k < n; ++k) {
    Json row = Json::array();
    for (auto& l : lists) row.push_back(l[k]);
    out.push_back(std::move(row));
  }
  return Value(std::move(out));
}
Value FZipLongest(Renderer&, Value& in, const Args& a) {
  std::vector<Json> lists = {in.Take()};
  for (const auto& v : a.positional) lists.push_back(v.json());
  const Json* fill = Opt(a, 99, "fillvalue");
  size_t n = 0;
  for (auto& l : lists) n = std::max(n, l.size());
  Json out = Json::array();
  for (size_t k = 0; k < n; ++k) {
    Json row = Json::array();
    for (auto& l : lists) row.push_back(k < l.size() ? l[k] : fill ? *fill : Json(nullptr));
    out.push_back(std::move(row));
  }
  return Value(std::move(out));
}
Value FProduct(Renderer&, Value& in, const Args& a) {
  std::vector<Json> lists = {in.Take()};
  for (const auto& v : a.positional) lists.push_back(v.json());
  Json out = Json::array({Json::array()});
  for (auto& l : lists) {
    Json next = Json::array();
    for (auto& prefix : out)
      for (auto& e : l) {
        Json row = prefix;
        row.push_back(e);
        next.push_back(std::move(row));
      }
    out = std::move(next);
  }
  return Value(std::move(out));
}
Value FDifference(Renderer&, Value& in, const Args& a) {
  auto x = ToList(in), y = ToList(a.positional.at(0));
  std::vector<Json> out;
  for (auto& e : Unique(x))
    if (!Contains(y, e)) out.push_back(e);
  return Value(ListJson(out));
}
Value FIntersect(Renderer&, Value& in, const Args& a) {
  auto x = ToList(in), y = ToList(a.positional.at(0));
  std::vector<Json> out;
  for (auto& e : Unique(x))
    if (Contains(y, e)) out.push_back(e);
  return Value(ListJson(out));
}
Value FUnion(Renderer&, Value& in, const Args& a) {
  auto x = ToList(in), y = ToList(a.positional.at(0));
  for (auto& e : y) x.push_back(e);
  return Value(ListJson(Unique(x)));
}
Value FSymDiff(Renderer&, Value& in, const Args& a) {
  auto x = Unique(ToList(in)), y = Unique(ToList(a.positional.at(0)));
  std::vector<Json> out;
  for (auto& e : x)
    if (!Contains(y, e)) out.push_back(e);
  for (auto& e : y)
    if (!Contains(x, e)) out.push_back(e);
  return Value(ListJson(out));
}
Value FSubelements(Renderer&, Value& in, const Args& a) {
  std::string key = PythonStr(Arg(a, 0, "subelements"));
  bool skip = OptBool(a, 1, "skip_missing", false);
  Json out = Json::array();
  for (const auto& e : in.json()) {
    const Json* sub = nullptr;
    if (e.contains(key)) sub = &e[key];
    if (!sub) {
      if (skip) continue;
      throw RenderError("could not find '" + key + "' key in iterated item");
    }
    for (const auto& s : *sub) out.push_back(Json::array({e, s}));
  }
  return Value(std::move(out));
}
Value FCount(Renderer& r, Value& in, const Args& a) { return FLength(r, in, a); }

}  // namespace tend::jinja
