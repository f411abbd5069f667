// Jinja2's built-in filters and Ansible's, one row each in Filters().

#include <crypt.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <regex>
#include <set>

#include <fmt/format.h>

#include "controller/template/jinja.h"
#include "controller/yaml/yaml.h"
#include "controller/yaml/yaml_dump.h"
#include "core/hash.h"

namespace tend::jinja {

std::string PyLower(const std::string& s);
std::string PyUpper(const std::string& s);
std::string PyCapitalize(const std::string& s);
std::string PyTitle(const std::string& s);
std::string StringJoin(const Json& list, const std::string& sep);
Value Arith(Op op, const Json& a, const Json& b);
std::string PyJsonDump(const Json& v, int indent, bool sort_keys, bool ensure_ascii,
                       const std::string& item_sep, const std::string& key_sep);

// Python's `re` syntax mapped onto ECMAScript: named groups lose their names.
std::regex MakeRegex(const std::string& pattern, bool ignorecase, bool multiline) {
  std::string p;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.compare(i, 4, "(?P<") == 0) {
      size_t close = pattern.find('>', i);
      p += "(";
      i = close;
    } else if (pattern.compare(i, 4, "(?P=") == 0) {
      size_t close = pattern.find(')', i);
      p += "\\1";
      i = close;
    } else if (pattern.compare(i, 2, "\\Z") == 0) {
      p += "$";
      ++i;
    } else if (pattern.compare(i, 2, "\\A") == 0) {
      p += "^";
      ++i;
    } else {
      p += pattern[i];
    }
  }
  auto flags = std::regex::ECMAScript;
  if (ignorecase) flags |= std::regex::icase;
  if (multiline) flags |= std::regex::multiline;
  try {
    return std::regex(p, flags);
  } catch (const std::regex_error& e) {
    throw RenderError("invalid regular expression '" + pattern + "': " + e.what());
  }
}

int CompareVersions(const std::string& a, const std::string& b, bool strict) {
  (void)strict;
  // LooseVersion: split into runs of digits and letters; numbers compare numerically.
  auto split = [](const std::string& s) {
    std::vector<Json> parts;
    size_t i = 0;
    while (i < s.size()) {
      if (isdigit(static_cast<unsigned char>(s[i]))) {
        size_t j = i;
        while (j < s.size() && isdigit(static_cast<unsigned char>(s[j]))) ++j;
        parts.emplace_back(std::stoll(s.substr(i, j - i)));
        i = j;
      } else if (isalpha(static_cast<unsigned char>(s[i]))) {
        size_t j = i;
        while (j < s.size() && isalpha(static_cast<unsigned char>(s[j]))) ++j;
        parts.emplace_back(s.substr(i, j - i));
        i = j;
      } else {
        ++i;
      }
    }
    return parts;
  };
  auto pa = split(a), pb = split(b);
  for (size_t i = 0; i < pa.size() && i < pb.size(); ++i) {
    if (pa[i].type() != pb[i].type()) return pa[i].is_number() ? 1 : -1;
    if (PyEquals(pa[i], pb[i])) continue;
    return PyCompare(pa[i], pb[i], "<");
  }
  return pa.size() < pb.size() ? -1 : pa.size() > pb.size();
}

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

namespace {

const Json& Arg(const Args& a, size_t i, const char* name) {
  const Value* v = a.Get(i, name);
  if (!v) throw RenderError(fmt::format("missing required argument '{}'", name));
  return v->json();
}
const Json* Opt(const Args& a, size_t i, const char* name) {
  const Value* v = a.Get(i, name);
  return v ? &v->json() : nullptr;
}
bool OptBool(const Args& a, size_t i, const char* name, bool def) {
  const Json* j = Opt(a, i, name);
  return j ? PyTruthy(*j) : def;
}
int64_t OptInt(const Args& a, size_t i, const char* name, int64_t def) {
  const Json* j = Opt(a, i, name);
  if (!j) return def;
  if (j->is_number()) return static_cast<int64_t>(ToDouble(*j));
  return def;
}
std::string OptStr(const Args& a, size_t i, const char* name, const std::string& def) {
  const Json* j = Opt(a, i, name);
  return j ? PyStr(*j) : def;
}
std::vector<Json> ToList(const Value& v) {
  std::vector<Json> out;
  for (auto& e : Iterate(v)) out.push_back(e.Take());
  return out;
}
Json ListJson(std::vector<Json> items) {
  Json out = Json::array();
  for (auto& e : items) out.push_back(std::move(e));
  return out;
}
const std::string& Str(const Value& v, const char* filter) {
  const Json& j = v.json();
  if (!j.is_string()) throw RenderError(fmt::format("{} expects a string, got {}", filter, PyTypeName(j)));
  return j.get_ref<const std::string&>();
}

Value FDefault(Renderer&, Value& in, const Args& a) {
  bool boolean = OptBool(a, 1, "boolean", false);
  if (in.undefined() || (boolean && !PyTruthy(in.json()))) {
    const Value* d = a.Get(0, "default_value");
    return d ? *d : Value(Json(""));
  }
  return in;
}
Value FMandatory(Renderer&, Value& in, const Args& a) {
  if (in.undefined()) {
    if (const Json* msg = Opt(a, 0, "msg")) throw RenderError(PyStr(*msg), true);
    throw RenderError("Mandatory variable " + in.undefined_message().substr(0, in.undefined_message().find(" is undefined")) + " not defined.", true);
  }
  return in;
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
      AppendPyStr(e, out);
    }
    return Value(Json(std::move(out)));
  }
  bool first = true;
  for (auto& e : Iterate(in)) {
    if (!first) out += sep;
    first = false;
    out += PyStr(attr ? AttributePath(e.json(), attr->get<std::string>()) : e.json());
  }
  return Value(Json(std::move(out)));
}
Value FLower(Renderer&, Value& in, const Args&) { return Value(Json(PyLower(PyStr(in.json())))); }
Value FUpper(Renderer&, Value& in, const Args&) { return Value(Json(PyUpper(PyStr(in.json())))); }
Value FCapitalize(Renderer&, Value& in, const Args&) { return Value(Json(PyCapitalize(PyStr(in.json())))); }
Value FTitle(Renderer&, Value& in, const Args&) {
  // Jinja's title capitalizes after spaces, dashes, brackets and braces only.
  std::string s = PyStr(in.json());
  bool start = true;
  for (auto& c : s) {
    unsigned char u = c;
    if (start && isalpha(u)) c = static_cast<char>(toupper(u));
    else if (isalpha(u)) c = static_cast<char>(tolower(u));
    start = (c == ' ' || c == '-' || c == '(' || c == '{' || c == '[' || c == '\t' || c == '\n');
  }
  return Value(Json(s));
}
Value FReplace(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  std::string from = PyStr(Arg(a, 0, "old")), to = PyStr(Arg(a, 1, "new"));
  int64_t count = OptInt(a, 2, "count", -1);
  if (from.empty()) return Value(Json(s));
  size_t pos = 0;
  int64_t n = 0;
  while ((count < 0 || n < count) && (pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
    ++n;
  }
  return Value(Json(s));
}
Value FTrim(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  const Json* chars = Opt(a, 0, "chars");
  std::string set = chars ? PyStr(*chars) : std::string(" \t\n\r\f\v");
  size_t b = s.find_first_not_of(set);
  if (b == std::string::npos) return Value(Json(""));
  size_t e = s.find_last_not_of(set);
  return Value(Json(s.substr(b, e - b + 1)));
}
std::optional<int64_t> ParseInt(std::string s, int base) {
  while (!s.empty() && isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && isspace(static_cast<unsigned char>(s[b]))) ++b;
  s = s.substr(b);
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  if (s.empty()) return std::nullopt;
  bool neg = s[0] == '-';
  if (s[0] == '-' || s[0] == '+') s.erase(0, 1);
  if (base == 16 && (s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0)) s.erase(0, 2);
  if (base == 8 && (s.rfind("0o", 0) == 0 || s.rfind("0O", 0) == 0)) s.erase(0, 2);
  if (base == 2 && (s.rfind("0b", 0) == 0 || s.rfind("0B", 0) == 0)) s.erase(0, 2);
  if (s.empty()) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    int d = isdigit(static_cast<unsigned char>(c)) ? c - '0' : isalpha(static_cast<unsigned char>(c)) ? tolower(c) - 'a' + 10 : 99;
    if (d >= base) return std::nullopt;
    v = v * base + d;
  }
  return neg ? -v : v;
}
std::optional<double> ParseFloat(const std::string& s) {
  try {
    size_t used;
    std::string t = s;
    t.erase(std::remove(t.begin(), t.end(), '_'), t.end());
    double d = std::stod(t, &used);
    while (used < t.size() && isspace(static_cast<unsigned char>(t[used]))) ++used;
    if (used != t.size()) return std::nullopt;
    return d;
  } catch (...) {
    return std::nullopt;
  }
}
Value FInt(Renderer&, Value& in, const Args& a) {
  const Json& j = in.json();
  int64_t def = OptInt(a, 0, "default", 0);
  int base = static_cast<int>(OptInt(a, 1, "base", 10));
  if (j.is_boolean()) return Value(Json(static_cast<int64_t>(j.get<bool>())));
  if (j.is_number_integer()) return Value(Json(j.get<int64_t>()));
  if (j.is_number_float()) return Value(Json(static_cast<int64_t>(j.get<double>())));
  if (j.is_string()) {
    if (auto v = ParseInt(j.get<std::string>(), base)) return Value(Json(*v));
    if (base == 10)
      if (auto f = ParseFloat(j.get<std::string>())) return Value(Json(static_cast<int64_t>(*f)));
  }
  return Value(Json(def));
}
Value FFloat(Renderer&, Value& in, const Args& a) {
  const Json& j = in.json();
  double def = 0.0;
  if (const Json* d = Opt(a, 0, "default")) def = ToDouble(*d);
  if (j.is_number() || j.is_boolean()) return Value(Json(ToDouble(j)));
  if (j.is_string())
    if (auto f = ParseFloat(j.get<std::string>())) return Value(Json(*f));
  return Value(Json(def));
}
Value FString(Renderer&, Value& in, const Args&) { return Value(Json(PyStr(in.json()))); }
Value FBool(Renderer&, Value& in, const Args&) {
  const Json& j = in.json();
  if (j.is_null() || j.is_boolean()) return Value(j);
  std::string s = PyLower(PyStr(j));
  return Value(Json(s == "yes" || s == "on" || s == "1" || s == "true" || s == "y" || s == "t"));
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
Value MinMax(Value& in, const Args& a, bool max) {
  std::vector<Json> items = ToList(in);
  if (items.empty()) return Value::Undefined(fmt::format("No aggregated item, sequence was empty."));
  bool cs = OptBool(a, 0, "case_sensitive", false);
  std::string attr = OptStr(a, 1, "attribute", "");
  PySort(items, false, cs, attr);
  return Value(max ? items.back() : items.front());
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
    if (!cs && x.is_string()) x = PyLower(x.get<std::string>()), y = PyLower(PyStr(y));
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
         attr ? PyStr(*attr) : "");
  return Value(ListJson(std::move(items)));
}
Value FUnique(Renderer&, Value& in, const Args& a) {
  bool cs = OptBool(a, 0, "case_sensitive", false);
  const Json* attr = Opt(a, 1, "attribute");
  std::vector<Json> out, keys;
  for (auto& e : Iterate(in)) {
    Json k = attr ? AttributePath(e.json(), PyStr(*attr)) : e.json();
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
        out.push_back(AttributePath(e.json(), PyStr(*attr)));
      } catch (const RenderError&) {
        if (!def) throw RenderError(fmt::format("'{}' has no attribute '{}'", PyTypeName(e.json()) == "dict" ? "dict object" : PyTypeName(e.json()) + " object", PyStr(*attr)), true);
        out.push_back(*def);
      }
    }
    return Value(std::move(out));
  }
  if (a.positional.empty()) return Value(ListJson(ToList(in)));
  std::string name = PyStr(a.positional[0].json());
  Args rest;
  rest.positional.assign(a.positional.begin() + 1, a.positional.end());
  rest.named = a.named;
  for (auto& e : Iterate(in)) out.push_back(r.ApplyFilter(name, e, rest).Take());
  return Value(std::move(out));
}
Value SelectReject(Renderer& r, Value& in, const Args& a, bool select, bool by_attr) {
  Json out = Json::array();
  size_t first = 0;
  std::string attr;
  if (by_attr) {
    attr = PyStr(Arg(a, 0, "attribute"));
    first = 1;
  }
  std::string test = a.positional.size() > first ? PyStr(a.positional[first].json()) : "";
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
Value FSelect(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, true, false); }
Value FReject(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, false, false); }
Value FSelectAttr(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, true, true); }
Value FRejectAttr(Renderer& r, Value& in, const Args& a) { return SelectReject(r, in, a, false, true); }
Value FGroupBy(Renderer&, Value& in, const Args& a) {
  std::string attr = PyStr(Arg(a, 0, "attribute"));
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
Value FDictSort(Renderer&, Value& in, const Args& a) {
  const Json& d = in.json();
  bool cs = OptBool(a, 0, "case_sensitive", false);
  std::string by = OptStr(a, 1, "by", "key");
  bool reverse = OptBool(a, 2, "reverse", false);
  std::vector<Json> pairs;
  for (auto it = d.begin(); it != d.end(); ++it) pairs.push_back(Json::array({it.key(), it.value()}));
  PySort(pairs, reverse, cs, by == "value" ? "1" : "0");
  return Value(ListJson(std::move(pairs)));
}
Value FItems(Renderer&, Value& in, const Args&) {
  if (in.undefined()) return Value(Json::array());
  Json out = Json::array();
  const Json& d = in.json();
  if (!d.is_object()) throw RenderError("Can only get item pairs from a mapping.");
  for (auto it = d.begin(); it != d.end(); ++it) out.push_back(Json::array({it.key(), it.value()}));
  return Value(std::move(out));
}
Value FIndent(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  const Json* w = Opt(a, 0, "width");
  std::string pad = w && w->is_string() ? w->get<std::string>() : std::string(w ? ToDouble(*w) : 4, ' ');
  bool first = OptBool(a, 1, "first", false);
  bool blank = OptBool(a, 2, "blank", false);
  std::string out;
  bool trailing_nl = !s.empty() && s.back() == '\n';
  if (trailing_nl) s.pop_back();
  size_t pos = 0;
  bool is_first = true;
  while (true) {
    size_t nl = s.find('\n', pos);
    std::string line = s.substr(pos, nl == std::string::npos ? nl : nl - pos);
    if (!is_first) out += '\n';
    if ((is_first ? first : true) && (blank || !line.empty() || is_first)) {
      if (!(is_first && !first)) out += pad;
    }
    if (!is_first && !blank && line.find_first_not_of(" \t") == std::string::npos && !line.empty()) {
      // whitespace-only lines count as blank in Jinja (they are not indented)
      out.erase(out.size() - pad.size());
    }
    out += line;
    is_first = false;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  if (trailing_nl) out += '\n';
  return Value(Json(out));
}
Value FCenter(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  int64_t w = OptInt(a, 0, "width", 80);
  int64_t pad = w - static_cast<int64_t>(s.size());
  if (pad <= 0) return Value(Json(s));
  int64_t left = pad / 2 + (pad & w & 1);
  return Value(Json(std::string(left, ' ') + s + std::string(pad - left, ' ')));
}
Value FWordCount(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json());
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : s) {
    bool w = isalnum(c) || c == '_' || c >= 0x80;
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(Json(n));
}
Value FTruncate(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  int64_t length = OptInt(a, 0, "length", 255);
  bool killwords = OptBool(a, 1, "killwords", false);
  std::string end = OptStr(a, 2, "end", "...");
  int64_t leeway = OptInt(a, 3, "leeway", 5);
  if (static_cast<int64_t>(s.size()) <= length + leeway) return Value(Json(s));
  if (killwords) return Value(Json(s.substr(0, length - end.size()) + end));
  std::string cut = s.substr(0, length - end.size());
  size_t sp = cut.rfind(' ');
  if (sp != std::string::npos) cut = cut.substr(0, sp);
  return Value(Json(cut + end));
}
Value FAbs(Renderer&, Value& in, const Args&) {
  const Json& j = in.json();
  if (j.is_number_float()) return Value(Json(std::fabs(j.get<double>())));
  if (j.is_number_integer()) return Value(Json(std::llabs(j.get<int64_t>())));
  throw RenderError(fmt::format("bad operand type for abs(): '{}'", PyTypeName(j)));
}
Value FRound(Renderer&, Value& in, const Args& a) {
  int64_t prec = OptInt(a, 0, "precision", 0);
  std::string method = OptStr(a, 1, "method", "common");
  double v = ToDouble(in.json());
  double m = std::pow(10.0, prec);
  double r;
  if (method == "ceil") r = std::ceil(v * m) / m;
  else if (method == "floor") r = std::floor(v * m) / m;
  else {
    // Python's round(): banker's rounding on the exact binary value.
    double x = v * m;
    double f = std::floor(x);
    double diff = x - f;
    r = (diff > 0.5 || (diff == 0.5 && std::fmod(f, 2.0) != 0)) ? f + 1 : f;
    r /= m;
    if (prec > 0) r = std::stod(fmt::format("{:.{}f}", v, prec));
  }
  return Value(Json(r));
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
Value FToJson(Renderer&, Value& in, const Args& a) {
  int indent = static_cast<int>(OptInt(a, 99, "indent", -1));
  bool sort = OptBool(a, 99, "sort_keys", false);
  bool ascii = OptBool(a, 99, "ensure_ascii", true);
  return Value(Json(PyJsonDump(in.json(), indent, sort, ascii, indent >= 0 ? "," : ", ", ": ")));
}
Value FToNiceJson(Renderer&, Value& in, const Args& a) {
  int indent = static_cast<int>(OptInt(a, 0, "indent", 4));
  bool sort = OptBool(a, 1, "sort_keys", true);
  return Value(Json(PyJsonDump(in.json(), indent, sort, OptBool(a, 99, "ensure_ascii", true), ",", ": ")));
}
Value FTojson(Renderer&, Value& in, const Args& a) {
  int indent = static_cast<int>(OptInt(a, 0, "indent", -1));
  std::string s = PyJsonDump(in.json(), indent, true, true, indent >= 0 ? "," : ", ", ": ");
  std::string out;
  for (char c : s) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else if (c == '\'') out += "\\u0027";
    else out += c;
  }
  return Value(Json(out));
}
Value FFromJson(Renderer&, Value& in, const Args&) {
  try {
    return Value(Json::parse(Str(in, "from_json")));
  } catch (const std::exception& e) {
    throw RenderError(std::string("from_json: ") + e.what());
  }
}
Value FFromYaml(Renderer&, Value& in, const Args&) {
  const Json& j = in.json();
  if (!j.is_string()) return in;
  auto doc = ParseYaml(j.get<std::string>(), "<from_yaml>");
  if (!doc) throw RenderError(doc.error().ToString());
  return Value(std::move(*doc));
}
Value FToYaml(Renderer&, Value& in, const Args& a) {
  YamlDumpOptions o;
  o.indent = static_cast<int>(OptInt(a, 99, "indent", 2));
  o.default_flow_style = true;
  if (const Json* f = Opt(a, 99, "default_flow_style")) o.default_flow_style = f->is_null() ? true : PyTruthy(*f);
  o.sort_keys = OptBool(a, 99, "sort_keys", true);
  o.width = static_cast<int>(OptInt(a, 99, "width", 80));
  return Value(Json(DumpYaml(in.json(), o)));
}
Value FToNiceYaml(Renderer&, Value& in, const Args& a) {
  YamlDumpOptions o;
  o.indent = static_cast<int>(OptInt(a, 0, "indent", 4));
  o.default_flow_style = false;
  o.sort_keys = OptBool(a, 99, "sort_keys", true);
  o.width = static_cast<int>(OptInt(a, 99, "width", 80));
  return Value(Json(DumpYaml(in.json(), o)));
}
Value FTernary(Renderer&, Value& in, const Args& a) {
  const Json* none_val = Opt(a, 2, "none_val");
  if (none_val && in.json().is_null()) return Value(*none_val);
  const Value* t = a.Get(0, "true_val");
  const Value* f = a.Get(1, "false_val");
  if (PyTruthy(in.json())) return t ? *t : Value(Json(true));
  return f ? *f : Value(Json(false));
}
void Merge(Json& into, const Json& from, bool recursive, const std::string& list_merge) {
  for (auto it = from.begin(); it != from.end(); ++it) {
    auto cur = into.find(it.key());
    if (recursive && cur != into.end() && cur->is_object() && it.value().is_object()) {
      Merge(*cur, it.value(), true, list_merge);
    } else if (cur != into.end() && cur->is_array() && it.value().is_array() && list_merge != "replace") {
      Json merged;
      if (list_merge == "keep") merged = *cur;
      else if (list_merge == "append") {
        merged = *cur;
        for (auto& e : it.value()) merged.push_back(e);
      } else if (list_merge == "prepend") {
        merged = it.value();
        for (auto& e : *cur) merged.push_back(e);
      } else {
        merged = it.value();
      }
      *cur = merged;
    } else {
      into[it.key()] = it.value();
    }
  }
}
Value FCombine(Renderer&, Value& in, const Args& a) {
  bool recursive = false;
  std::string list_merge = "replace";
  for (const auto& [k, v] : a.named) {
    if (k == "recursive") recursive = PyTruthy(v.json());
    else if (k == "list_merge") list_merge = PyStr(v.json());
    else throw RenderError("'" + k + "' is an invalid keyword argument for combine()");
  }
  Json out = in.json();
  std::vector<const Json*> others;
  for (const auto& v : a.positional) {
    const Json& j = v.json();
    if (j.is_array())
      for (const auto& e : j) others.push_back(&e);
    else others.push_back(&j);
  }
  if (out.is_array()) {
    Json flat = Json::object();
    for (const auto& e : out) Merge(flat, e, recursive, list_merge);
    out = flat;
  }
  if (!out.is_object()) throw RenderError(fmt::format("failed to combine variables, expected dicts but got a '{}'", PyTypeName(out)));
  for (const Json* o : others) {
    if (!o->is_object()) throw RenderError(fmt::format("failed to combine variables, expected dicts but got a '{}' and a '{}'", "dict", PyTypeName(*o)));
    Merge(out, *o, recursive, list_merge);
  }
  return Value(std::move(out));
}
Value FDict2Items(Renderer&, Value& in, const Args& a) {
  std::string kn = OptStr(a, 0, "key_name", "key"), vn = OptStr(a, 1, "value_name", "value");
  const Json& d = in.json();
  if (!d.is_object()) throw RenderError(fmt::format("dict2items requires a dictionary, got {} instead.", PyTypeName(d) == "list" ? "<class 'list'>" : "<class '" + PyTypeName(d) + "'>"));
  Json out = Json::array();
  for (auto it = d.begin(); it != d.end(); ++it) out.push_back(Json{{kn, it.key()}, {vn, it.value()}});
  return Value(std::move(out));
}
Value FItems2Dict(Renderer&, Value& in, const Args& a) {
  std::string kn = OptStr(a, 0, "key_name", "key"), vn = OptStr(a, 1, "value_name", "value");
  Json out = Json::object();
  for (const auto& e : in.json()) {
    if (!e.is_object() || !e.contains(kn) || !e.contains(vn))
      throw RenderError(fmt::format("items2dict requires each item to have '{}' and '{}' keys", kn, vn));
    out[PyStr(e[kn])] = e[vn];
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
std::string PyReplacement(const std::string& repl) {
  std::string out;
  for (size_t i = 0; i < repl.size(); ++i) {
    if (repl[i] == '\\' && i + 1 < repl.size()) {
      char n = repl[i + 1];
      if (isdigit(static_cast<unsigned char>(n))) {
        out += '$';
        out += n;
        ++i;
        continue;
      }
      if (n == 'g' && i + 2 < repl.size() && repl[i + 2] == '<') {
        size_t close = repl.find('>', i);
        out += "$" + repl.substr(i + 3, close - i - 3);
        i = close;
        continue;
      }
      if (n == 'n') { out += '\n'; ++i; continue; }
      if (n == 't') { out += '\t'; ++i; continue; }
      if (n == '\\') { out += '\\'; ++i; continue; }
    }
    if (repl[i] == '$') out += "$$";
    else out += repl[i];
  }
  return out;
}
Value FRegexReplace(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  std::string pat = OptStr(a, 0, "regex", ""), repl = OptStr(a, 1, "replace", "");
  std::regex re = MakeRegex(pat, OptBool(a, 2, "ignorecase", false), OptBool(a, 3, "multiline", false));
  int64_t count = OptInt(a, 4, "count", 0);
  std::string fmt_repl = PyReplacement(repl);
  if (count <= 0) return Value(Json(std::regex_replace(s, re, fmt_repl)));
  std::string out;
  auto begin = std::sregex_iterator(s.begin(), s.end(), re);
  size_t last = 0;
  int64_t n = 0;
  for (auto it = begin; it != std::sregex_iterator() && n < count; ++it, ++n) {
    out += s.substr(last, it->position() - last);
    out += it->format(fmt_repl);
    last = it->position() + it->length();
  }
  out += s.substr(last);
  return Value(Json(out));
}
Value FRegexSearch(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  std::string pat = PyStr(Arg(a, 0, "regex"));
  std::vector<std::string> groups;
  for (size_t k = 1; k < a.positional.size(); ++k) groups.push_back(PyStr(a.positional[k].json()));
  std::regex re = MakeRegex(pat, OptBool(a, 99, "ignorecase", false), OptBool(a, 99, "multiline", false));
  std::smatch m;
  if (!std::regex_search(s, m, re)) return Value(Json(nullptr));
  if (groups.empty()) return Value(Json(m.str(0)));
  Json out = Json::array();
  for (auto& g : groups) {
    if (g.rfind("\\g<", 0) == 0) out.push_back(m.str(std::stoi(g.substr(3))));
    else if (g[0] == '\\') out.push_back(m.str(std::stoi(g.substr(1))));
    else throw RenderError("Unknown argument");
  }
  return Value(std::move(out));
}
Value FRegexFindall(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  std::regex re = MakeRegex(PyStr(Arg(a, 0, "regex")), OptBool(a, 2, "ignorecase", false), OptBool(a, 1, "multiline", false));
  Json out = Json::array();
  for (auto it = std::sregex_iterator(s.begin(), s.end(), re); it != std::sregex_iterator(); ++it) {
    const auto& m = *it;
    if (m.size() == 1) out.push_back(m.str(0));
    else if (m.size() == 2) out.push_back(m.str(1));
    else {
      Json row = Json::array();
      for (size_t g = 1; g < m.size(); ++g) row.push_back(m.str(g));
      out.push_back(row);
    }
  }
  return Value(std::move(out));
}
Value FRegexEscape(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json()), out;
  for (unsigned char c : s) {
    if (!isalnum(c) && c != '_' && c < 0x80) out += '\\';
    out += static_cast<char>(c);
  }
  return Value(Json(out));
}
const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
Value FB64Encode(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json()), out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    out += kB64[n >> 18], out += kB64[(n >> 12) & 63], out += kB64[(n >> 6) & 63], out += kB64[n & 63];
  }
  if (i + 1 == s.size()) {
    uint32_t n = static_cast<unsigned char>(s[i]) << 16;
    out += kB64[n >> 18], out += kB64[(n >> 12) & 63], out += "==";
  } else if (i + 2 == s.size()) {
    uint32_t n = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8);
    out += kB64[n >> 18], out += kB64[(n >> 12) & 63], out += kB64[(n >> 6) & 63], out += '=';
  }
  return Value(Json(out));
}
Value FB64Decode(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json()), out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : s) {
    const char* p = strchr(kB64, c);
    if (c == '=' || !p || !c) continue;
    buf = (buf << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return Value(Json(out));
}
Value FBasename(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json());
  size_t slash = s.rfind('/');
  return Value(Json(slash == std::string::npos ? s : s.substr(slash + 1)));
}
Value FDirname(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json());
  size_t slash = s.rfind('/');
  if (slash == std::string::npos) return Value(Json(""));
  std::string head = s.substr(0, slash + 1);
  if (head.find_first_not_of('/') != std::string::npos)
    while (!head.empty() && head.back() == '/') head.pop_back();
  return Value(Json(head));
}
Value FExpandUser(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json());
  if (s.rfind("~", 0) == 0 && (s.size() == 1 || s[1] == '/')) {
    const char* home = getenv("HOME");
    return Value(Json(std::string(home ? home : "") + s.substr(1)));
  }
  return Value(Json(s));
}
Value FRealPath(Renderer&, Value& in, const Args&) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(PyStr(in.json())), ec);
  return Value(Json(p.string()));
}
Value FSplitExt(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json());
  size_t slash = s.rfind('/');
  size_t base = slash == std::string::npos ? 0 : slash + 1;
  size_t dot = s.rfind('.');
  size_t first_non_dot = s.find_first_not_of('.', base);
  if (dot == std::string::npos || dot < base || first_non_dot == std::string::npos || dot < first_non_dot)
    return Value(Json::array({s, ""}));
  return Value(Json::array({s.substr(0, dot), s.substr(dot)}));
}
Value FQuote(Renderer&, Value& in, const Args&) {
  std::string s = in.json().is_null() ? "" : PyStr(in.json());
  if (s.empty()) return Value(Json("''"));
  bool safe = std::all_of(s.begin(), s.end(), [](char c) {
    return isalnum(static_cast<unsigned char>(c)) || strchr("@%+=:,./-_", c);
  });
  if (safe) return Value(Json(s));
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return Value(Json(out + "'"));
}
Value FHash(Renderer&, Value& in, const Args& a) {
  std::string algo = OptStr(a, 0, "hashtype", "sha1");
  auto h = HashAlgorithmByName(algo);
  if (!h) throw RenderError("unsupported hash type " + algo);
  return Value(Json(HexDigest(*h, PyStr(in.json()))));
}
Value FMd5(Renderer&, Value& in, const Args&) { return Value(Json(HexDigest(HashAlgorithm::kMd5, PyStr(in.json())))); }
Value FSha1(Renderer&, Value& in, const Args&) { return Value(Json(HexDigest(HashAlgorithm::kSha1, PyStr(in.json())))); }
std::string SaltFrom(const Json* salt, std::mt19937_64* rng) {
  if (salt && !salt->is_null()) return PyStr(*salt);
  static const char* kChars = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  std::mt19937_64 local(rd());
  std::mt19937_64& g = rng ? *rng : local;
  std::string s;
  for (int k = 0; k < 16; ++k) s += kChars[g() % 64];
  return s;
}
Value FPasswordHash(Renderer&, Value& in, const Args& a) {
  std::string scheme = OptStr(a, 0, "hashtype", "sha512");
  const Json* salt = Opt(a, 1, "salt");
  const Json* rounds = Opt(a, 2, "rounds");
  std::string prefix = scheme == "sha512" ? "$6$" : scheme == "sha256" ? "$5$" : scheme == "md5" ? "$1$" : "";
  if (prefix.empty()) throw RenderError("unsupported password hash scheme " + scheme);
  std::string setting = prefix;
  // Ansible writes the rounds out, with passlib's defaults.
  int64_t r = rounds && !rounds->is_null() ? rounds->get<int64_t>() : prefix == "$6$" ? 656000 : prefix == "$5$" ? 535000 : 0;
  if (r) setting += fmt::format("rounds={}$", r);
  std::string s = SaltFrom(salt, nullptr);
  if (prefix != "$1$" && s.size() > 16) s.resize(16);
  setting += s;
  struct crypt_data data{};
  const char* out = crypt_r(PyStr(in.json()).c_str(), setting.c_str(), &data);
  if (!out || out[0] == '*') throw RenderError("crypt failed");
  return Value(Json(std::string(out)));
}
uint64_t SeedOf(const Json& seed) {
  std::string s = PyStr(seed);
  std::string h = HexDigest(HashAlgorithm::kSha256, s);
  return std::stoull(h.substr(0, 16), nullptr, 16);
}
Value FRandom(Renderer&, Value& in, const Args& a) {
  std::random_device rd;
  const Json* seed = Opt(a, 2, "seed");
  std::mt19937_64 g(seed ? SeedOf(*seed) : rd());
  const Json& j = in.json();
  if (j.is_number_integer()) {
    int64_t start = OptInt(a, 0, "start", 0), step = OptInt(a, 1, "step", 1);
    int64_t end = j.get<int64_t>();
    int64_t n = (end - start + step - 1) / step;
    if (n <= 0) throw RenderError("empty range for randrange()");
    return Value(Json(start + static_cast<int64_t>(g() % n) * step));
  }
  std::vector<Json> items;
  for (auto& e : Iterate(in)) items.push_back(e.json());
  if (items.empty()) throw RenderError("Cannot choose from an empty sequence");
  return Value(items[g() % items.size()]);
}
Value FShuffle(Renderer&, Value& in, const Args& a) {
  std::random_device rd;
  const Json* seed = Opt(a, 0, "seed");
  std::mt19937_64 g(seed ? SeedOf(*seed) : rd());
  std::vector<Json> items = ToList(in);
  std::shuffle(items.begin(), items.end(), g);
  return Value(ListJson(std::move(items)));
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
std::optional<std::pair<uint32_t, int>> ParseIPv4(const std::string& s) {
  std::string addr = s;
  int prefix = 32;
  size_t slash = s.find('/');
  if (slash != std::string::npos) {
    addr = s.substr(0, slash);
    auto p = ParseInt(s.substr(slash + 1), 10);
    if (!p || *p < 0 || *p > 32) return std::nullopt;
    prefix = static_cast<int>(*p);
  }
  uint32_t v = 0;
  int parts = 0;
  size_t pos = 0;
  while (pos <= addr.size()) {
    size_t dot = addr.find('.', pos);
    std::string part = addr.substr(pos, dot == std::string::npos ? dot : dot - pos);
    auto n = ParseInt(part, 10);
    if (part.empty() || !n || *n < 0 || *n > 255) return std::nullopt;
    v = (v << 8) | static_cast<uint32_t>(*n);
    ++parts;
    if (dot == std::string::npos) break;
    pos = dot + 1;
  }
  if (parts != 4) return std::nullopt;
  return std::make_pair(v, prefix);
}
std::string IPv4Str(uint32_t v) { return fmt::format("{}.{}.{}.{}", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255); }
Json IpAddrOne(const Json& value, const std::string& query) {
  if (!value.is_string()) return false;
  auto ip = ParseIPv4(value.get<std::string>());
  if (!ip) return false;
  auto [addr, prefix] = *ip;
  uint32_t mask = prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix);
  if (query.empty()) return value;
  if (query == "address") return IPv4Str(addr);
  if (query == "network") return IPv4Str(addr & mask);
  if (query == "netmask") return IPv4Str(mask);
  if (query == "prefix") return prefix;
  if (query == "broadcast") return IPv4Str((addr & mask) | ~mask);
  if (query == "host") return fmt::format("{}/{}", IPv4Str(addr), prefix);
  if (query == "net" || query == "subnet" || query == "cidr") return fmt::format("{}/{}", IPv4Str(addr & mask), prefix);
  if (query == "public") {
    bool priv = (addr >> 24) == 10 || (addr >> 20) == (172u << 4 | 1) || (addr >> 16) == (192u << 8 | 168) || (addr >> 24) == 127;
    return priv ? Json(false) : value;
  }
  if (query == "private") {
    bool priv = (addr >> 24) == 10 || (addr >> 20) == (172u << 4 | 1) || (addr >> 16) == (192u << 8 | 168);
    return priv ? value : Json(false);
  }
  if (query == "ipv4" || query == "4") return value;
  if (query == "ipv6" || query == "6") return false;
  throw RenderError("Unknown ipaddr query: " + query);
}
Value FIpAddr(Renderer&, Value& in, const Args& a) {
  std::string query = OptStr(a, 0, "query", "");
  const Json& j = in.json();
  if (j.is_array()) {
    Json out = Json::array();
    for (const auto& e : j) {
      Json r = IpAddrOne(e, query);
      if (!(r.is_boolean() && !r.get<bool>())) out.push_back(r);
    }
    return Value(std::move(out));
  }
  return Value(IpAddrOne(j, query));
}
Value FToUuid(Renderer&, Value& in, const Args& a) {
  // uuid5 in Ansible's namespace.
  std::string ns_text = OptStr(a, 0, "namespace", "361E6D51-FAEC-444A-9079-341386DA8E2E");
  std::string ns_hex;
  for (char c : ns_text)
    if (c != '-') ns_hex += static_cast<char>(tolower(static_cast<unsigned char>(c)));
  std::string ns_bytes;
  for (size_t k = 0; k + 1 < ns_hex.size(); k += 2) ns_bytes += static_cast<char>(std::stoi(ns_hex.substr(k, 2), nullptr, 16));
  std::string digest = HexDigest(HashAlgorithm::kSha1, ns_bytes + PyStr(in.json()));
  std::string h = digest.substr(0, 32);
  auto set_nibble = [&](size_t pos, int value) { h[pos] = "0123456789abcdef"[value]; };
  set_nibble(12, 5);
  int variant = std::stoi(h.substr(16, 1), nullptr, 16);
  set_nibble(16, (variant & 0x3) | 0x8);
  return Value(Json(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12)));
}
Value FComment(Renderer&, Value& in, const Args& a) {
  std::string style = OptStr(a, 0, "style", "plain");
  std::string text = PyStr(in.json());
  std::string beg, prefix = "# ", end, decoration = "# ";
  if (style == "c") prefix = decoration = "// ";
  else if (style == "cblock") beg = "/*", decoration = " * ", end = " */";
  else if (style == "erlang") decoration = "% ";
  else if (style == "xml") beg = "<!--", decoration = " - ", end = "-->";
  for (const auto& [k, v] : a.named) {
    if (k == "decoration") decoration = PyStr(v.json());
    if (k == "beginning") beg = PyStr(v.json());
    if (k == "end") end = PyStr(v.json());
  }
  std::string prefix_line = decoration;
  while (!prefix_line.empty() && prefix_line.back() == ' ') prefix_line.pop_back();
  std::string out;
  if (!beg.empty()) out += beg + "\n";
  out += prefix_line + "\n";
  size_t pos = 0;
  while (true) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? nl : nl - pos);
    out += (line.empty() ? prefix_line : decoration + line) + "\n";
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  out += prefix_line;
  if (!end.empty()) out += "\n" + end;
  return Value(Json(out));
}
Value FStrftime(Renderer&, Value& in, const Args& a) {
  const Json* secs = Opt(a, 0, "second");
  time_t t = secs && !secs->is_null() ? static_cast<time_t>(ToDouble(*secs)) : time(nullptr);
  struct tm tm{};
  bool utc = OptBool(a, 1, "utc", false);
  if (utc) gmtime_r(&t, &tm);
  else localtime_r(&t, &tm);
  char buf[512];
  size_t n = strftime(buf, sizeof buf, PyStr(in.json()).c_str(), &tm);
  return Value(Json(std::string(buf, n)));
}
Value FTypeDebug(Renderer&, Value& in, const Args&) {
  if (in.undefined()) return Value(Json("AnsibleUndefined"));
  return Value(Json(PyTypeName(in.json())));
}
Value FUrlencode(Renderer&, Value& in, const Args&) {
  auto quote = [](const std::string& s, bool plus_safe_slash) {
    std::string out;
    for (unsigned char c : s) {
      if (isalnum(c) || strchr("_.-~", c) || (plus_safe_slash && c == '/')) out += static_cast<char>(c);
      else out += fmt::format("%{:02X}", c);
    }
    return out;
  };
  const Json& j = in.json();
  if (j.is_object()) {
    std::string out;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!out.empty()) out += '&';
      out += quote(it.key(), false) + "=" + quote(PyStr(it.value()), false);
    }
    return Value(Json(out));
  }
  return Value(Json(quote(PyStr(j), true)));
}
Value FFormat(Renderer&, Value& in, const Args& a) {
  Json args = Json::array();
  for (const auto& v : a.positional) args.push_back(v.json());
  if (!a.named.empty()) {
    Json kw = Json::object();
    for (const auto& [k, v] : a.named) kw[k] = v.json();
    return Value(Json(PyPercentFormat(PyStr(in.json()), kw)));
  }
  return Value(Json(PyPercentFormat(PyStr(in.json()), args.size() == 1 ? args : args)));
}
Value FEscape(Renderer&, Value& in, const Args&) {
  std::string s = PyStr(in.json()), out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return Value(Json(out));
}
Value FSafe(Renderer&, Value& in, const Args&) { return in; }
Value FSplit(Renderer&, Value& in, const Args& a) {
  std::string s = PyStr(in.json());
  const Json* sep = Opt(a, 0, "sep");
  Json out = Json::array();
  if (!sep || sep->is_null()) {
    std::string cur;
    for (char c : s) {
      if (isspace(static_cast<unsigned char>(c))) {
        if (!cur.empty()) out.push_back(cur), cur.clear();
      } else cur += c;
    }
    if (!cur.empty()) out.push_back(cur);
    return Value(std::move(out));
  }
  std::string d = PyStr(*sep);
  size_t pos = 0;
  while (true) {
    size_t f = s.find(d, pos);
    if (f == std::string::npos) break;
    out.push_back(s.substr(pos, f - pos));
    pos = f + d.size();
  }
  out.push_back(s.substr(pos));
  return Value(std::move(out));
}
Value FSubelements(Renderer&, Value& in, const Args& a) {
  std::string key = PyStr(Arg(a, 0, "subelements"));
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
Value FDictFilter(Renderer&, Value& in, const Args&) {
  Json out = Json::object();
  for (const auto& pair : in.json()) out[PyStr(pair[0])] = pair[1];
  return Value(std::move(out));
}
Value FCount(Renderer& r, Value& in, const Args& a) { return FLength(r, in, a); }
Value FPprint(Renderer&, Value& in, const Args&) { return Value(Json(PyRepr(in.json()))); }
Value FExtract(Renderer&, Value& in, const Args& a) {
  const Json& container = Arg(a, 0, "container");
  Value v = GetItem(Value::Ref(container), in);
  if (const Json* morekeys = Opt(a, 1, "morekeys")) {
    if (morekeys->is_array())
      for (const auto& k : *morekeys) v = GetItem(v, Value(k));
    else v = GetItem(v, Value(*morekeys));
  }
  return Value(v.Take());
}
Value FHumanReadable(Renderer&, Value& in, const Args& a) {
  double v = ToDouble(in.json());
  bool isbits = OptBool(a, 0, "isbits", false);
  const char* units[] = {"", "K", "M", "G", "T", "P", "E", "Z", "Y"};
  int u = 0;
  while (std::fabs(v) >= 1024 && u < 8) v /= 1024, ++u;
  return Value(Json(fmt::format("{:.2f} {}{}", v, units[u], isbits ? "b" : "B")));
}
Value FRandomMac(Renderer&, Value& in, const Args&) { return in; }
Value FCheckSum(Renderer& r, Value& in, const Args& a) { return FSha1(r, in, a); }
Value FLog(Renderer&, Value& in, const Args& a) {
  double base = a.positional.empty() ? M_E : ToDouble(a.positional[0].json());
  return Value(Json(std::log(ToDouble(in.json())) / std::log(base)));
}
Value FPow(Renderer&, Value& in, const Args& a) { return Value(Json(std::pow(ToDouble(in.json()), ToDouble(Arg(a, 0, "y"))))); }
Value FRoot(Renderer&, Value& in, const Args& a) {
  double base = a.positional.empty() ? 2 : ToDouble(a.positional[0].json());
  return Value(Json(base == 2 ? std::sqrt(ToDouble(in.json())) : std::pow(ToDouble(in.json()), 1.0 / base)));
}
Value FAttr(Renderer&, Value& in, const Args& a) { return GetAttr(in, PyStr(Arg(a, 0, "name"))); }

}  // namespace

const std::vector<FilterEntry>& Filters() {
  static const std::vector<FilterEntry> kFilters = {
      {"default", FDefault}, {"d", FDefault}, {"mandatory", FMandatory}, {"join", FJoin},
      {"lower", FLower}, {"upper", FUpper}, {"capitalize", FCapitalize}, {"title", FTitle},
      {"replace", FReplace}, {"trim", FTrim}, {"int", FInt}, {"float", FFloat},
      {"string", FString}, {"bool", FBool}, {"list", FList}, {"length", FLength},
      {"count", FCount}, {"first", FFirst}, {"last", FLast}, {"min", FMin}, {"max", FMax},
      {"sum", FSum}, {"sort", FSort}, {"unique", FUnique}, {"reverse", FReverse}, {"map", FMap},
      {"select", FSelect}, {"reject", FReject}, {"selectattr", FSelectAttr},
      {"rejectattr", FRejectAttr}, {"groupby", FGroupBy}, {"dictsort", FDictSort},
      {"items", FItems}, {"indent", FIndent}, {"center", FCenter}, {"wordcount", FWordCount},
      {"truncate", FTruncate}, {"abs", FAbs}, {"round", FRound}, {"batch", FBatch},
      {"slice", FSlice}, {"tojson", FTojson}, {"urlencode", FUrlencode}, {"format", FFormat},
      {"e", FEscape}, {"escape", FEscape}, {"forceescape", FEscape}, {"safe", FSafe},
      {"attr", FAttr}, {"pprint", FPprint},
      {"to_json", FToJson}, {"to_nice_json", FToNiceJson}, {"from_json", FFromJson},
      {"to_yaml", FToYaml}, {"to_nice_yaml", FToNiceYaml}, {"from_yaml", FFromYaml},
      {"ternary", FTernary}, {"combine", FCombine}, {"dict2items", FDict2Items},
      {"items2dict", FItems2Dict}, {"flatten", FFlatten}, {"zip", FZip},
      {"zip_longest", FZipLongest}, {"product", FProduct}, {"regex_search", FRegexSearch},
      {"regex_replace", FRegexReplace}, {"regex_findall", FRegexFindall},
      {"regex_escape", FRegexEscape}, {"b64encode", FB64Encode}, {"b64decode", FB64Decode},
      {"basename", FBasename}, {"dirname", FDirname}, {"expanduser", FExpandUser},
      {"realpath", FRealPath}, {"splitext", FSplitExt}, {"quote", FQuote}, {"hash", FHash},
      {"checksum", FCheckSum}, {"md5", FMd5}, {"sha1", FSha1},
      {"password_hash", FPasswordHash}, {"random", FRandom}, {"shuffle", FShuffle},
      {"difference", FDifference}, {"intersect", FIntersect}, {"union", FUnion},
      {"symmetric_difference", FSymDiff}, {"ipaddr", FIpAddr}, {"ipv4", FIpAddr},
      {"to_uuid", FToUuid}, {"comment", FComment}, {"strftime", FStrftime},
      {"type_debug", FTypeDebug}, {"split", FSplit}, {"subelements", FSubelements},
      {"dict", FDictFilter}, {"extract", FExtract}, {"human_readable", FHumanReadable},
      {"random_mac", FRandomMac}, {"log", FLog}, {"pow", FPow}, {"root", FRoot},
  };
  return kFilters;
}

FilterFn FindFilter(std::string_view name) {
  for (const auto& f : Filters())
    if (name == f.name) return f.fn;
  return nullptr;
}

}  // namespace tend::jinja
