// Path filters: basename, dirname, expanduser, realpath, splitext.

#include <filesystem>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {

Value FBasename(Renderer&, Value& in, const Args&) {
  std::string s = PythonStr(in.json());
  size_t slash = s.rfind('/');
  return Value(Json(slash == std::string::npos ? s : s.substr(slash + 1)));
}
Value FDirname(Renderer&, Value& in, const Args&) {
  std::string s = PythonStr(in.json());
  size_t slash = s.rfind('/');
  if (slash == std::string::npos) return Value(Json(""));
  std::string head = s.substr(0, slash + 1);
  if (head.find_first_not_of('/') != std::string::npos)
    while (!head.empty() && head.back() == '/') head.pop_back();
  return Value(Json(head));
}
Value FExpandUser(Renderer&, Value& in, const Args&) {
  std::string s = PythonStr(in.json());
  if (s.rfind("~", 0) == 0 && (s.size() == 1 || s[1] == '/')) {
    const char* home = getenv("HOME");
    return Value(Json(std::string(home ? home : "") + s.substr(1)));
  }
  return Value(Json(s));
}
Value FRealPath(Renderer&, Value& in, const Args&) {
  std::error_code ec;
  auto p = std::filesystem::weakly_canonical(std::filesystem::absolute(PythonStr(in.json())), ec);
  return Value(Json(p.string()));
}
Value FSplitExt(Renderer&, Value& in, const Args&) {
  std::string s = PythonStr(in.json());
  size_t slash = s.rfind('/');
  size_t base = slash == std::string::npos ? 0 : slash + 1;
  size_t dot = s.rfind('.');
  size_t first_non_dot = s.find_first_not_of('.', base);
  if (dot == std::string::npos || dot < base || first_non_dot == std::string::npos || dot < first_non_dot)
    return Value(Json::array({s, ""}));
  return Value(Json::array({s.substr(0, dot), s.substr(dot)}));
}

}  // namespace tend::jinja
