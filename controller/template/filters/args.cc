#include "controller/template/filters/args.h"

#include <fmt/format.h>

namespace tend::jinja {

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
  return j ? PythonStr(*j) : def;
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

}  // namespace tend::jinja
