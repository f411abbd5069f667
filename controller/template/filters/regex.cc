// Python's `re` through the filters: regex_search, regex_replace, regex_findall,
// regex_escape, and the translation of Python's pattern syntax they share with the
// `match`/`search` tests.

#include <regex>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"

namespace tend::jinja {
namespace {

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

}  // namespace

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
Value FRegexReplace(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
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
  std::string s = PythonStr(in.json());
  std::string pat = PythonStr(Arg(a, 0, "regex"));
  std::vector<std::string> groups;
  for (size_t k = 1; k < a.positional.size(); ++k) groups.push_back(PythonStr(a.positional[k].json()));
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
  std::string s = PythonStr(in.json());
  std::regex re = MakeRegex(PythonStr(Arg(a, 0, "regex")), OptBool(a, 2, "ignorecase", false), OptBool(a, 1, "multiline", false));
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
  std::string s = PythonStr(in.json()), out;
  for (unsigned char c : s) {
    if (!isalnum(c) && c != '_' && c < 0x80) out += '\\';
    out += static_cast<char>(c);
  }
  return Value(Json(out));
}

}  // namespace tend::jinja
