// Python's type conversions: int, float, string, bool.

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {
namespace {

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

}  // namespace

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
    // Past 64 bits it is no int tend can hold (found by fuzz_template: the
    // multiplication overflowed); callers treat it as not an int.
    if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v)) {
      return std::nullopt;
    }
  }
  return neg ? -v : v;
}

// Python's int() of a float, which tend's 64-bit integers cannot always hold.
static int64_t TruncateToInt(double f) {
  if (!(f > -9.3e18 && f < 9.3e18) || f >= 9223372036854775807.0 || f < -9223372036854775808.0) {
    throw RenderError(fmt::format(
        "integer overflow: int({}) does not fit in 64 bits (tend's integers are 64-bit; "
        "Python's are unbounded)",
        PythonRepr(Json(f))));
  }
  return static_cast<int64_t>(f);
}

Value FInt(Renderer&, Value& in, const Args& a) {
  const Json& j = in.json();
  int64_t def = OptInt(a, 0, "default", 0);
  int base = static_cast<int>(OptInt(a, 1, "base", 10));
  if (j.is_boolean()) return Value(Json(static_cast<int64_t>(j.get<bool>())));
  if (j.is_number_integer()) return Value(Json(j.get<int64_t>()));
  if (j.is_number_float()) return Value(Json(TruncateToInt(j.get<double>())));
  if (j.is_string()) {
    if (auto v = ParseInt(j.get<std::string>(), base)) return Value(Json(*v));
    if (base == 10)
      if (auto f = ParseFloat(j.get<std::string>())) return Value(Json(TruncateToInt(*f)));
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
Value FString(Renderer&, Value& in, const Args&) { return Value(Json(PythonStr(in.json()))); }
Value FBool(Renderer&, Value& in, const Args&) {
  const Json& j = in.json();
  if (j.is_null() || j.is_boolean()) return Value(j);
  std::string s = PyLower(PythonStr(j));
  return Value(Json(s == "yes" || s == "on" || s == "1" || s == "true" || s == "y" || s == "t"));
}

}  // namespace tend::jinja
