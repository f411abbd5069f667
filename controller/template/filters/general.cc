// Filters on any value: default, mandatory, ternary, attr, type_debug, strftime.

#include <ctime>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {

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
    if (const Json* msg = Opt(a, 0, "msg")) throw RenderError(PythonStr(*msg), true);
    throw RenderError("Mandatory variable " + in.undefined_message().substr(0, in.undefined_message().find(" is undefined")) + " not defined.", true);
  }
  return in;
}
Value FTernary(Renderer&, Value& in, const Args& a) {
  const Json* none_val = Opt(a, 2, "none_val");
  if (none_val && in.json().is_null()) return Value(*none_val);
  const Value* t = a.Get(0, "true_val");
  const Value* f = a.Get(1, "false_val");
  if (PyTruthy(in.json())) return t ? *t : Value(Json(true));
  return f ? *f : Value(Json(false));
}
Value FStrftime(Renderer&, Value& in, const Args& a) {
  const Json* secs = Opt(a, 0, "second");
  time_t t = secs && !secs->is_null() ? static_cast<time_t>(ToDouble(*secs)) : time(nullptr);
  struct tm tm{};
  bool utc = OptBool(a, 1, "utc", false);
  if (utc) gmtime_r(&t, &tm);
  else localtime_r(&t, &tm);
  char buf[512];
  size_t n = strftime(buf, sizeof buf, PythonStr(in.json()).c_str(), &tm);
  return Value(Json(std::string(buf, n)));
}
Value FTypeDebug(Renderer&, Value& in, const Args&) {
  if (in.undefined()) return Value(Json("AnsibleUndefined"));
  return Value(Json(PyTypeName(in.json())));
}
Value FAttr(Renderer&, Value& in, const Args& a) { return GetAttr(in, PythonStr(Arg(a, 0, "name"))); }

}  // namespace tend::jinja
