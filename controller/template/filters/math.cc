// Numeric filters: abs, round, log, pow, root, human_readable.

#include <cmath>

#include <fmt/format.h>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {

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
Value FHumanReadable(Renderer&, Value& in, const Args& a) {
  double v = ToDouble(in.json());
  bool isbits = OptBool(a, 0, "isbits", false);
  const char* units[] = {"", "K", "M", "G", "T", "P", "E", "Z", "Y"};
  int u = 0;
  while (std::fabs(v) >= 1024 && u < 8) v /= 1024, ++u;
  return Value(Json(fmt::format("{:.2f} {}{}", v, units[u], isbits ? "b" : "B")));
}
Value FLog(Renderer&, Value& in, const Args& a) {
  double base = a.positional.empty() ? M_E : ToDouble(a.positional[0].json());
  return Value(Json(std::log(ToDouble(in.json())) / std::log(base)));
}
Value FPow(Renderer&, Value& in, const Args& a) { return Value(Json(std::pow(ToDouble(in.json()), ToDouble(Arg(a, 0, "y"))))); }
Value FRoot(Renderer&, Value& in, const Args& a) {
  double base = a.positional.empty() ? 2 : ToDouble(a.positional[0].json());
  return Value(Json(base == 2 ? std::sqrt(ToDouble(in.json())) : std::pow(ToDouble(in.json()), 1.0 / base)));
}

}  // namespace tend::jinja
