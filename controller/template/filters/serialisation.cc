// Serialising filters: to_json/to_nice_json/tojson, from_json, the YAML ones, pprint.

#include <optional>

#include <fmt/format.h>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"
#include "controller/yaml/yaml.h"
#include "controller/yaml/yaml_dump.h"

namespace tend::jinja {
namespace {

// The filters' `indent` argument: a negative number stands for Python's None.
std::optional<int> JsonIndent(int64_t indent) {
  return indent >= 0 ? std::optional<int>(static_cast<int>(indent)) : std::nullopt;
}

}  // namespace

Value FToJson(Renderer&, Value& in, const Args& a) {
  JsonDumpsOptions options;
  options.indent = JsonIndent(OptInt(a, 99, "indent", -1));
  options.sort_keys = OptBool(a, 99, "sort_keys", false);
  options.ensure_ascii = OptBool(a, 99, "ensure_ascii", true);
  return Value(Json(PythonJsonDumps(in.json(), options)));
}
Value FToNiceJson(Renderer&, Value& in, const Args& a) {
  JsonDumpsOptions options;
  options.indent = JsonIndent(OptInt(a, 0, "indent", 4));
  options.sort_keys = OptBool(a, 1, "sort_keys", true);
  options.ensure_ascii = OptBool(a, 99, "ensure_ascii", true);
  options.item_separator = ",";  // Ansible passes separators=(',', ': ') even without indent
  return Value(Json(PythonJsonDumps(in.json(), options)));
}
Value FTojson(Renderer&, Value& in, const Args& a) {
  JsonDumpsOptions options;
  options.indent = JsonIndent(OptInt(a, 0, "indent", -1));
  options.sort_keys = true;
  std::string s = PythonJsonDumps(in.json(), options);
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
// Python's json.loads gives up (RecursionError) near this depth; deeper
// input would overflow our recursive printers (issue 21).
constexpr int kMaxJsonDepth = 1000;

Value FFromJson(Renderer&, Value& in, const Args&) {
  auto bounded = [](int depth, Json::parse_event_t event, Json&) {
    if (event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) {
      if (depth >= kMaxJsonDepth) {
        throw RenderError(fmt::format("from_json: the document nests deeper than {} levels",
                                      kMaxJsonDepth));
      }
    }
    return true;
  };
  try {
    return Value(Json::parse(Str(in, "from_json"), bounded));
  } catch (const RenderError&) {
    throw;
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
Value FPprint(Renderer&, Value& in, const Args&) { return Value(Json(PythonRepr(in.json()))); }

}  // namespace tend::jinja
