// Filters on dicts: dictsort, items, combine, dict2items/items2dict, dict, extract.


#include <fmt/format.h>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {
namespace {

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

}  // namespace

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
Value FCombine(Renderer&, Value& in, const Args& a) {
  bool recursive = false;
  std::string list_merge = "replace";
  for (const auto& [k, v] : a.named) {
    if (k == "recursive") recursive = PyTruthy(v.json());
    else if (k == "list_merge") list_merge = PythonStr(v.json());
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
    out[PythonStr(e[kn])] = e[vn];
  }
  return Value(std::move(out));
}
Value FDictFilter(Renderer&, Value& in, const Args&) {
  Json out = Json::object();
  for (const auto& pair : in.json()) out[PythonStr(pair[0])] = pair[1];
  return Value(std::move(out));
}
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

}  // namespace tend::jinja
