// Jinja2's and Ansible's tests (`x is defined`), one row each in Tests().

#include <algorithm>
#include <filesystem>

#include "controller/template/filters/filters.h"
#include "controller/template/jinja.h"

namespace tend::jinja {

namespace {

const Json& Arg(const Args& a, size_t i, const char* name) {
  const Value* v = a.Get(i, name);
  if (!v) throw RenderError(std::string("missing argument '") + name + "'");
  return v->json();
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

bool TDefined(Renderer&, const Value& v, const Args&) { return !v.undefined(); }
bool TUndefined(Renderer&, const Value& v, const Args&) { return v.undefined(); }
bool TNone(Renderer&, const Value& v, const Args&) { return v.json().is_null(); }
bool TString(Renderer&, const Value& v, const Args&) { return v.json().is_string(); }
bool TNumber(Renderer&, const Value& v, const Args&) { return v.is_json() && (v.json().is_number() || v.json().is_boolean()); }
bool TInteger(Renderer&, const Value& v, const Args&) { return v.json().is_number_integer(); }
bool TFloat(Renderer&, const Value& v, const Args&) { return v.json().is_number_float(); }
bool TMapping(Renderer&, const Value& v, const Args&) { return v.kind() == Value::Kind::kNamespace || v.json().is_object(); }
bool TIterable(Renderer&, const Value& v, const Args&) {
  const Json& j = v.json();
  return j.is_array() || j.is_object() || j.is_string();
}
bool TSequence(Renderer& r, const Value& v, const Args& a) { return TIterable(r, v, a); }
bool TBoolean(Renderer&, const Value& v, const Args&) { return v.json().is_boolean(); }
bool TTrue(Renderer&, const Value& v, const Args&) { return v.json().is_boolean() && v.json().get<bool>(); }
bool TFalse(Renderer&, const Value& v, const Args&) { return v.json().is_boolean() && !v.json().get<bool>(); }
bool TCallable(Renderer&, const Value& v, const Args&) { return v.kind() == Value::Kind::kMacro; }
bool TEq(Renderer&, const Value& v, const Args& a) { return PyEquals(v.json(), Arg(a, 0, "other")); }
bool TNe(Renderer&, const Value& v, const Args& a) { return !PyEquals(v.json(), Arg(a, 0, "other")); }
bool TLt(Renderer&, const Value& v, const Args& a) { return PyCompare(v.json(), Arg(a, 0, "other"), "<") < 0; }
bool TLe(Renderer&, const Value& v, const Args& a) { return PyCompare(v.json(), Arg(a, 0, "other"), "<=") <= 0; }
bool TGt(Renderer&, const Value& v, const Args& a) { return PyCompare(v.json(), Arg(a, 0, "other"), ">") > 0; }
bool TGe(Renderer&, const Value& v, const Args& a) { return PyCompare(v.json(), Arg(a, 0, "other"), ">=") >= 0; }
bool TSameAs(Renderer&, const Value& v, const Args& a) {
  const Json& x = v.json();
  const Json& y = Arg(a, 0, "other");
  return x.type() == y.type() && x == y && (x.is_null() || x.is_boolean());
}
bool TIn(Renderer&, const Value& v, const Args& a) {
  const Json& seq = Arg(a, 0, "seq");
  const Json& x = v.json();
  if (seq.is_string()) return x.is_string() && seq.get<std::string>().find(x.get<std::string>()) != std::string::npos;
  if (seq.is_object()) return x.is_string() && seq.contains(x.get<std::string>());
  return std::any_of(seq.begin(), seq.end(), [&](const Json& e) { return PyEquals(e, x); });
}
bool TContains(Renderer& r, const Value& v, const Args& a) {
  Args swapped;
  swapped.positional.push_back(v);
  Value item = a.positional.empty() ? Value(Json(nullptr)) : a.positional[0];
  return TIn(r, item, swapped);
}
bool TDivisibleBy(Renderer&, const Value& v, const Args& a) {
  int64_t d = Arg(a, 0, "num").get<int64_t>();
  return d != 0 && static_cast<int64_t>(ToDouble(v.json())) % d == 0;
}
bool TEven(Renderer&, const Value& v, const Args&) { return static_cast<int64_t>(ToDouble(v.json())) % 2 == 0; }
bool TOdd(Renderer&, const Value& v, const Args&) { return static_cast<int64_t>(ToDouble(v.json())) % 2 != 0; }
bool TLower(Renderer&, const Value& v, const Args&) {
  const std::string s = PythonStr(v.json());
  bool cased = false;
  for (unsigned char c : s) {
    if (isupper(c)) return false;
    cased |= islower(c) != 0;
  }
  return cased;
}
bool TUpper(Renderer&, const Value& v, const Args&) {
  const std::string s = PythonStr(v.json());
  bool cased = false;
  for (unsigned char c : s) {
    if (islower(c)) return false;
    cased |= isupper(c) != 0;
  }
  return cased;
}

bool RegexTest(const Value& v, const Args& a, const char* mode) {
  std::string subject = PythonStr(v.json());
  std::string pattern = PythonStr(Arg(a, 0, "pattern"));
  const Value* ic = a.Get(1, "ignorecase");
  const Value* ml = a.Get(2, "multiline");
  const Value* match_type = a.Get(99, "match_type");
  std::string how = match_type ? match_type->json().get<std::string>() : mode;
  Regex re = MakeRegex(pattern, ic && PyTruthy(ic->json()), ml && PyTruthy(ml->json()));
  auto found = how == "match"       ? re.MatchAt(subject)
               : how == "fullmatch" ? re.FullMatch(subject)
                                    : re.Search(subject);
  if (!found) throw RenderError(found.error().message);
  return found->has_value();
}
bool TMatch(Renderer&, const Value& v, const Args& a) { return RegexTest(v, a, "match"); }
bool TSearch(Renderer&, const Value& v, const Args& a) { return RegexTest(v, a, "search"); }
bool TRegex(Renderer&, const Value& v, const Args& a) { return RegexTest(v, a, "search"); }

bool TVersion(Renderer&, const Value& v, const Args& a) {
  std::string op = "eq";
  if (const Value* o = a.Get(1, "operator")) op = o->json().get<std::string>();
  const Value* strict = a.Get(2, "strict");
  const Value* vt = a.Get(3, "version_type");
  bool is_strict = (strict && PyTruthy(strict->json())) || (vt && vt->json() == "strict");
  int c = CompareVersions(PythonStr(v.json()), PythonStr(Arg(a, 0, "version")), is_strict);
  if (op == "==" || op == "=" || op == "eq") return c == 0;
  if (op == "!=" || op == "<>" || op == "ne") return c != 0;
  if (op == "<" || op == "lt") return c < 0;
  if (op == "<=" || op == "le") return c <= 0;
  if (op == ">" || op == "gt") return c > 0;
  if (op == ">=" || op == "ge") return c >= 0;
  throw RenderError("Invalid operator type (" + op + ")");
}

bool TSubset(Renderer&, const Value& v, const Args& a) {
  const Json& big = Arg(a, 0, "b");
  for (const auto& e : v.json())
    if (std::none_of(big.begin(), big.end(), [&](const Json& x) { return PyEquals(x, e); })) return false;
  return true;
}
bool TSuperset(Renderer&, const Value& v, const Args& a) {
  const Json& small = Arg(a, 0, "b");
  const Json& big = v.json();
  for (const auto& e : small)
    if (std::none_of(big.begin(), big.end(), [&](const Json& x) { return PyEquals(x, e); })) return false;
  return true;
}
bool TAny(Renderer&, const Value& v, const Args&) {
  const Json& j = v.json();
  return std::any_of(j.begin(), j.end(), [](const Json& e) { return PyTruthy(e); });
}
bool TAll(Renderer&, const Value& v, const Args&) {
  const Json& j = v.json();
  return std::all_of(j.begin(), j.end(), [](const Json& e) { return PyTruthy(e); });
}

bool TFile(Renderer&, const Value& v, const Args&) { return std::filesystem::is_regular_file(PythonStr(v.json())); }
bool TDirectory(Renderer&, const Value& v, const Args&) { return std::filesystem::is_directory(PythonStr(v.json())); }
bool TExists(Renderer&, const Value& v, const Args&) {
  std::error_code ec;
  return std::filesystem::exists(PythonStr(v.json()), ec);
}
bool TLink(Renderer&, const Value& v, const Args&) { return std::filesystem::is_symlink(PythonStr(v.json())); }
bool TAbs(Renderer&, const Value& v, const Args&) { return PythonStr(v.json()).rfind('/', 0) == 0; }

const Json& Result(const Value& v, const char* test) {
  const Json& j = v.json();
  if (!j.is_object())
    throw RenderError(std::string("The '") + test + "' test expects a dictionary");
  return j;
}
bool Flag(const Json& r, const char* key) {
  auto it = r.find(key);
  return it != r.end() && PyTruthy(*it);
}
bool TFailed(Renderer&, const Value& v, const Args&) { return Flag(Result(v, "failed"), "failed"); }
bool TSucceeded(Renderer&, const Value& v, const Args&) { return !Flag(Result(v, "succeeded"), "failed"); }
bool TChanged(Renderer&, const Value& v, const Args&) {
  const Json& r = Result(v, "changed");
  if (!r.contains("changed")) {
    if (r.contains("results") && r["results"].is_array())
      for (const auto& e : r["results"])
        if (e.is_object() && Flag(e, "changed")) return true;
    return false;
  }
  return Flag(r, "changed");
}
bool TSkipped(Renderer&, const Value& v, const Args&) { return Flag(Result(v, "skipped"), "skipped"); }
bool TReachable(Renderer&, const Value& v, const Args&) { return !Flag(Result(v, "reachable"), "unreachable"); }
bool TUnreachable(Renderer&, const Value& v, const Args&) { return Flag(Result(v, "unreachable"), "unreachable"); }
bool TFinished(Renderer&, const Value& v, const Args&) { return !v.json().contains("finished") || Flag(v.json(), "finished"); }
bool TStarted(Renderer&, const Value& v, const Args&) { return !v.json().contains("started") || Flag(v.json(), "started"); }

}  // namespace

const std::vector<TestEntry>& Tests() {
  static const std::vector<TestEntry> kTests = {
      {"defined", TDefined}, {"undefined", TUndefined}, {"none", TNone}, {"string", TString},
      {"number", TNumber}, {"integer", TInteger}, {"float", TFloat}, {"mapping", TMapping},
      {"iterable", TIterable}, {"sequence", TSequence}, {"boolean", TBoolean}, {"true", TTrue},
      {"false", TFalse}, {"callable", TCallable}, {"sameas", TSameAs},
      {"equalto", TEq}, {"eq", TEq}, {"==", TEq}, {"ne", TNe}, {"!=", TNe}, {"lt", TLt},
      {"lessthan", TLt}, {"<", TLt}, {"le", TLe}, {"<=", TLe}, {"gt", TGt}, {"greaterthan", TGt},
      {">", TGt}, {"ge", TGe}, {">=", TGe}, {"in", TIn}, {"contains", TContains},
      {"divisibleby", TDivisibleBy}, {"even", TEven}, {"odd", TOdd}, {"lower", TLower},
      {"upper", TUpper}, {"match", TMatch}, {"search", TSearch}, {"regex", TRegex},
      {"version", TVersion}, {"version_compare", TVersion}, {"subset", TSubset},
      {"issubset", TSubset}, {"superset", TSuperset}, {"issuperset", TSuperset}, {"any", TAny},
      {"all", TAll}, {"file", TFile}, {"is_file", TFile}, {"directory", TDirectory},
      {"is_dir", TDirectory}, {"exists", TExists}, {"link", TLink}, {"is_link", TLink},
      {"abs", TAbs}, {"is_abs", TAbs}, {"succeeded", TSucceeded}, {"success", TSucceeded},
      {"successful", TSucceeded}, {"failed", TFailed}, {"failure", TFailed},
      {"changed", TChanged}, {"change", TChanged}, {"skipped", TSkipped}, {"skip", TSkipped},
      {"reachable", TReachable}, {"unreachable", TUnreachable}, {"finished", TFinished},
      {"started", TStarted},
  };
  return kTests;
}

TestFn FindTest(std::string_view name) {
  for (const auto& t : Tests())
    if (name == t.name) return t.fn;
  return nullptr;
}

}  // namespace tend::jinja
