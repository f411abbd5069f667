// Filters on strings: case, replace, trim, indent, center, truncate, wordcount,
// comment, format, escape, split, quote.

#include <fmt/format.h>

#include <algorithm>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"
#include "core/html.h"

namespace tend::jinja {

Value FLower(Renderer&, Value& in, const Args&) { return Value(Json(PyLower(PythonStr(in.json())))); }
Value FUpper(Renderer&, Value& in, const Args&) { return Value(Json(PyUpper(PythonStr(in.json())))); }
Value FCapitalize(Renderer&, Value& in, const Args&) { return Value(Json(PyCapitalize(PythonStr(in.json())))); }
Value FTitle(Renderer&, Value& in, const Args&) {
  // Jinja's title capitalizes after spaces, dashes, brackets and braces only.
  std::string s = PythonStr(in.json());
  bool start = true;
  for (auto& c : s) {
    unsigned char u = c;
    if (start && isalpha(u)) c = static_cast<char>(toupper(u));
    else if (isalpha(u)) c = static_cast<char>(tolower(u));
    start = (c == ' ' || c == '-' || c == '(' || c == '{' || c == '[' || c == '\t' || c == '\n');
  }
  return Value(Json(s));
}
Value FReplace(Renderer&, Value& in, const Args& a) {
  return Value(Json(ReplaceAll(PythonStr(in.json()), PythonStr(Arg(a, 0, "old")), PythonStr(Arg(a, 1, "new")),
                               OptInt(a, 2, "count", -1))));
}
Value FTrim(Renderer&, Value& in, const Args& a) {
  const Json* chars = Opt(a, 0, "chars");
  std::string set = chars ? PythonStr(*chars) : "";
  return Value(Json(StripChars(PythonStr(in.json()), chars ? &set : nullptr, true, true)));
}
Value FIndent(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
  const Json* w = Opt(a, 0, "width");
  std::string pad = w && w->is_string() ? w->get<std::string>() : std::string(w ? ToDouble(*w) : 4, ' ');
  bool first = OptBool(a, 1, "first", false);
  bool blank = OptBool(a, 2, "blank", false);
  std::string out;
  bool trailing_nl = !s.empty() && s.back() == '\n';
  if (trailing_nl) s.pop_back();
  size_t pos = 0;
  bool is_first = true;
  while (true) {
    size_t nl = s.find('\n', pos);
    std::string line = s.substr(pos, nl == std::string::npos ? nl : nl - pos);
    if (!is_first) out += '\n';
    if ((is_first ? first : true) && (blank || !line.empty() || is_first)) {
      if (!(is_first && !first)) out += pad;
    }
    if (!is_first && !blank && line.find_first_not_of(" \t") == std::string::npos && !line.empty()) {
      // whitespace-only lines count as blank in Jinja (they are not indented)
      out.erase(out.size() - pad.size());
    }
    out += line;
    is_first = false;
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  if (trailing_nl) out += '\n';
  return Value(Json(out));
}
Value FCenter(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
  int64_t w = OptInt(a, 0, "width", 80);
  int64_t pad = w - static_cast<int64_t>(s.size());
  if (pad <= 0) return Value(Json(s));
  int64_t left = pad / 2 + (pad & w & 1);
  return Value(Json(std::string(left, ' ') + s + std::string(pad - left, ' ')));
}
Value FWordCount(Renderer&, Value& in, const Args&) {
  std::string s = PythonStr(in.json());
  int64_t n = 0;
  bool in_word = false;
  for (unsigned char c : s) {
    bool w = isalnum(c) || c == '_' || c >= 0x80;
    if (w && !in_word) ++n;
    in_word = w;
  }
  return Value(Json(n));
}
Value FTruncate(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
  int64_t length = OptInt(a, 0, "length", 255);
  bool killwords = OptBool(a, 1, "killwords", false);
  std::string end = OptStr(a, 2, "end", "...");
  int64_t leeway = OptInt(a, 3, "leeway", 5);
  if (static_cast<int64_t>(s.size()) <= length + leeway) return Value(Json(s));
  if (killwords) return Value(Json(s.substr(0, length - end.size()) + end));
  std::string cut = s.substr(0, length - end.size());
  size_t sp = cut.rfind(' ');
  if (sp != std::string::npos) cut = cut.substr(0, sp);
  return Value(Json(cut + end));
}
Value FQuote(Renderer&, Value& in, const Args&) {
  std::string s = in.json().is_null() ? "" : PythonStr(in.json());
  if (s.empty()) return Value(Json("''"));
  bool safe = std::all_of(s.begin(), s.end(), [](char c) {
    return isalnum(static_cast<unsigned char>(c)) || strchr("@%+=:,./-_", c);
  });
  if (safe) return Value(Json(s));
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
  return Value(Json(out + "'"));
}
Value FComment(Renderer&, Value& in, const Args& a) {
  std::string style = OptStr(a, 0, "style", "plain");
  std::string text = PythonStr(in.json());
  std::string beg, prefix = "# ", end, decoration = "# ";
  if (style == "c") prefix = decoration = "// ";
  else if (style == "cblock") beg = "/*", decoration = " * ", end = " */";
  else if (style == "erlang") decoration = "% ";
  else if (style == "xml") beg = "<!--", decoration = " - ", end = "-->";
  for (const auto& [k, v] : a.named) {
    if (k == "decoration") decoration = PythonStr(v.json());
    if (k == "beginning") beg = PythonStr(v.json());
    if (k == "end") end = PythonStr(v.json());
  }
  std::string prefix_line = decoration;
  while (!prefix_line.empty() && prefix_line.back() == ' ') prefix_line.pop_back();
  std::string out;
  if (!beg.empty()) out += beg + "\n";
  out += prefix_line + "\n";
  size_t pos = 0;
  while (true) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? nl : nl - pos);
    out += (line.empty() ? prefix_line : decoration + line) + "\n";
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  out += prefix_line;
  if (!end.empty()) out += "\n" + end;
  return Value(Json(out));
}
namespace {

/// Ansible's repr of an undefined variable, which `"%r" | format(x)` prints
/// instead of raising; empty for other undefineds (attributes, items), whose
/// repr names an object tend does not keep.
std::string UndefinedRepr(const Value& v) {
  const std::string& message = v.undefined_message();
  constexpr std::string_view kTail = "' is undefined";
  if (!message.starts_with('\'') || !message.ends_with(kTail)) return "";
  std::string name = message.substr(1, message.size() - 1 - kTail.size());
  if (name.find('\'') != std::string::npos) return "";
  return fmt::format("AnsibleUndefined(hint=None, obj=missing, name='{}')", name);
}

}  // namespace

Value FFormat(Renderer&, Value& in, const Args& a) {
  if (!a.named.empty()) {
    Json kw = Json::object();
    for (const auto& [k, v] : a.named) kw[k] = v.json();
    return Value(Json(PyPercentFormat(PythonStr(in.json()), kw)));
  }
  // An undefined variable goes in as a marker: %r of it becomes its repr,
  // any other conversion raises the undefined error, as in Ansible.
  struct Hole {
    std::string marker, repr;
    const Value* value;
  };
  std::vector<Hole> holes;
  Json args = Json::array();
  for (const auto& v : a.positional) {
    std::string repr = v.undefined() && !v.lenient() ? UndefinedRepr(v) : "";
    if (repr.empty()) {
      args.push_back(v.json());
      continue;
    }
    holes.push_back({fmt::format("<tend-undefined-{}>", holes.size()), repr, &v});
    args.push_back(holes.back().marker);
  }
  std::string out;
  try {
    out = PyPercentFormat(PythonStr(in.json()), args);
  } catch (const RenderError&) {
    if (!holes.empty()) holes.front().value->ThrowUndefined();
    throw;
  }
  for (const Hole& hole : holes) {
    std::string quoted = "'" + hole.marker + "'";
    for (size_t at; (at = out.find(quoted)) != std::string::npos;)
      out.replace(at, quoted.size(), hole.repr);
    if (out.find(hole.marker) != std::string::npos) hole.value->ThrowUndefined();
  }
  return Value(Json(std::move(out)));
}
Value FEscape(Renderer&, Value& in, const Args&) {
  return Value(Json(HtmlEscape(PythonStr(in.json()))));
}
Value FSafe(Renderer&, Value& in, const Args&) { return in; }
Value FSplit(Renderer&, Value& in, const Args& a) {
  std::string s = PythonStr(in.json());
  const Json* sep = Opt(a, 0, "sep");
  Json out = Json::array();
  if (!sep || sep->is_null()) {
    std::string cur;
    for (char c : s) {
      if (isspace(static_cast<unsigned char>(c))) {
        if (!cur.empty()) out.push_back(cur), cur.clear();
      } else cur += c;
    }
    if (!cur.empty()) out.push_back(cur);
    return Value(std::move(out));
  }
  std::string d = PythonStr(*sep);
  size_t pos = 0;
  while (true) {
    size_t f = s.find(d, pos);
    if (f == std::string::npos) break;
    out.push_back(s.substr(pos, f - pos));
    pos = f + d.size();
  }
  out.push_back(s.substr(pos));
  return Value(std::move(out));
}

}  // namespace tend::jinja
