// Python's `re` through the filters: regex_search, regex_replace, regex_findall
// and regex_escape, on core/regex.h as the `match`/`search` tests are.

#include "core/regex.h"

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {
namespace {

template <class T>
T OrThrow(Expected<T> result) {
  if (!result) throw RenderError(result.error().message);
  return std::move(*result);
}

// Python's None for a group that did not take part in the match.
Json GroupJson(const RegexMatch& m, size_t group) {
  auto text = m.Group(group);
  return text ? Json(std::string(*text)) : Json(nullptr);
}

// A `\g<name>` or `\N` argument of regex_search, as Ansible's regex_search parses it.
size_t SearchGroup(const RegexMatch& m, const std::string& arg) {
  if (arg.starts_with("\\g<") && arg.ends_with('>') && arg.size() > 4) {
    std::string name = arg.substr(3, arg.size() - 4);
    if (std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      size_t n = std::stoul(name);
      if (n <= m.GroupCount()) return n;
    } else if (auto n = m.GroupNumber(name)) {
      return *n;
    }
    throw RenderError("no such group: " + name);
  }
  if (arg.size() > 1 && arg[0] == '\\' && std::isdigit(static_cast<unsigned char>(arg[1]))) {
    size_t n = std::stoul(arg.substr(1));
    if (n > m.GroupCount()) throw RenderError("no such group: " + arg.substr(1));
    return n;
  }
  throw RenderError("Unknown argument");
}

}  // namespace

Regex MakeRegex(const std::string& pattern, bool ignorecase, bool multiline) {
  return OrThrow(Regex::Compile(pattern, {.ignorecase = ignorecase, .multiline = multiline}));
}

Value FRegexReplace(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
  std::string pat = OptStr(a, 0, "regex", ""), repl = OptStr(a, 1, "replace", "");
  Regex re = MakeRegex(pat, OptBool(a, 2, "ignorecase", false), OptBool(a, 3, "multiline", false));
  int64_t count = OptInt(a, 4, "count", 0);
  return Value(Json(OrThrow(re.Replace(s, repl, count > 0 ? static_cast<size_t>(count) : 0))));
}

Value FRegexSearch(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
  std::string pat = PythonStr(Arg(a, 0, "regex"));
  std::vector<std::string> groups;
  for (size_t k = 1; k < a.positional.size(); ++k) groups.push_back(PythonStr(a.positional[k].json()));
  Regex re = MakeRegex(pat, OptBool(a, 99, "ignorecase", false), OptBool(a, 99, "multiline", false));
  auto found = OrThrow(re.Search(s));
  if (!found) return Value(Json(nullptr));
  if (groups.empty()) return Value(GroupJson(*found, 0));
  Json out = Json::array();
  for (const auto& g : groups) out.push_back(GroupJson(*found, SearchGroup(*found, g)));
  return Value(std::move(out));
}

// re.findall: the whole match, the one group, or a list of all groups.
Value FRegexFindall(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
  Regex re = MakeRegex(PythonStr(Arg(a, 0, "regex")), OptBool(a, 2, "ignorecase", false),
                       OptBool(a, 1, "multiline", false));
  Json out = Json::array();
  for (const auto& m : OrThrow(re.FindAll(s))) {
    if (m.GroupCount() <= 1) {
      out.push_back(std::string(m.GroupOrEmpty(m.GroupCount())));
      continue;
    }
    Json row = Json::array();
    for (size_t g = 1; g <= m.GroupCount(); ++g) row.push_back(std::string(m.GroupOrEmpty(g)));
    out.push_back(std::move(row));
  }
  return Value(std::move(out));
}

Value FRegexEscape(Renderer&, Value& in, const Args&) {
  return Value(Json(RegexEscape(PythonStr(in.json()))));
}

}  // namespace tend::jinja
