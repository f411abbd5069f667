// Python semantics of values: str(), repr(), truthiness, comparison,
// and the two string-formatting mini-languages.

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "controller/template/jinja.h"

namespace tend::jinja {

void Value::ThrowUndefined() const {
  throw RenderError(own_.is_string() ? own_.get<std::string>() : "undefined variable", true);
}

const Value* Args::Get(size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [k, v] : named)
    if (k == name) return &v;
  return nullptr;
}

bool IsNumber(const Json& v) { return v.is_number(); }

double ToDouble(const Json& v) {
  if (v.is_number_float()) return v.get<double>();
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  if (v.is_number_integer()) return static_cast<double>(v.get<int64_t>());
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  return 0;
}

std::string PyFloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  // sci: [-]d[.ddd]e[+-]XX
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t e = sci.find('e');
  int exp = std::stoi(sci.substr(e + 1));
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  std::string out;
  if (exp >= -5 + 1 && exp < 16) {
    if (exp >= 0) {
      if (static_cast<int>(digits.size()) <= exp + 1) {
        out = digits + std::string(exp + 1 - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
      }
    } else {
      out = "0." + std::string(-exp - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
  }
  return neg ? "-" + out : out;
}

namespace {

void AppendRepr(const Json& v, std::string& out);

void AppendStringRepr(const std::string& s, std::string& out) {
  char q = (s.find('\'') != std::string::npos && s.find('"') == std::string::npos) ? '"' : '\'';
  out += q;
  for (unsigned char c : s) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c == static_cast<unsigned char>(q)) {
          out += '\\';
          out += q;
        } else if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\x{:02x}", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += q;
}

void AppendStr(const Json& v, std::string& out) {
  switch (v.type()) {
    case Json::value_t::string: out += v.get_ref<const std::string&>(); break;
    case Json::value_t::null: out += "None"; break;
    case Json::value_t::boolean: out += v.get<bool>() ? "True" : "False"; break;
    case Json::value_t::number_integer: {
      char buf[24];
      auto r = std::to_chars(buf, buf + sizeof buf, v.get<int64_t>());
      out.append(buf, r.ptr);
      break;
    }
    case Json::value_t::number_unsigned: out += std::to_string(v.get<uint64_t>()); break;
    case Json::value_t::number_float: out += PyFloatRepr(v.get<double>()); break;
    default: AppendRepr(v, out);
  }
}

void AppendRepr(const Json& v, std::string& out) {
  if (v.is_string()) return AppendStringRepr(v.get_ref<const std::string&>(), out);
  if (v.is_array()) {
    out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += ", ";
      first = false;
      AppendRepr(e, out);
    }
    out += ']';
    return;
  }
  if (v.is_object()) {
    out += '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += ", ";
      first = false;
      AppendStringRepr(it.key(), out);
      out += ": ";
      AppendRepr(it.value(), out);
    }
    out += '}';
    return;
  }
  AppendStr(v, out);
}

}  // namespace

void AppendPyStr(const Json& v, std::string& out) { AppendStr(v, out); }

std::string PyStr(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  std::string out;
  AppendStr(v, out);
  return out;
}

std::string PyRepr(const Json& v) {
  std::string out;
  AppendRepr(v, out);
  return out;
}

std::string PyTypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return "str";
    case Json::value_t::null: return "NoneType";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "int";
    case Json::value_t::number_float: return "float";
    case Json::value_t::array: return "list";
    case Json::value_t::object: return "dict";
    default: return "object";
  }
}

bool PyTruthy(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return false;
    case Json::value_t::boolean: return v.get<bool>();
    case Json::value_t::number_integer: return v.get<int64_t>() != 0;
    case Json::value_t::number_unsigned: return v.get<uint64_t>() != 0;
    case Json::value_t::number_float: return v.get<double>() != 0;
    case Json::value_t::string: return !v.get_ref<const std::string&>().empty();
    default: return !v.empty();
  }
}

static bool Numeric(const Json& v) { return v.is_number() || v.is_boolean(); }

bool PyEquals(const Json& a, const Json& b) {
  if (Numeric(a) && Numeric(b)) {
    if (a.is_number_float() || b.is_number_float()) return ToDouble(a) == ToDouble(b);
    if (a.is_boolean() || b.is_boolean()) return ToDouble(a) == ToDouble(b);
    if (a.is_number_unsigned() || b.is_number_unsigned()) return a == b;
    return a.get<int64_t>() == b.get<int64_t>();
  }
  if (a.type() != b.type()) return false;
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!PyEquals(a[i], b[i])) return false;
    return true;
  }
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto f = b.find(it.key());
      if (f == b.end() || !PyEquals(it.value(), *f)) return false;
    }
    return true;
  }
  return a == b;
}

int PyCompare(const Json& a, const Json& b, const char* op) {
  if (Numeric(a) && Numeric(b)) {
    if (a.is_number_integer() && b.is_number_integer() && !a.is_number_unsigned() &&
        !b.is_number_unsigned()) {
      int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
      return x < y ? -1 : x > y;
    }
    double x = ToDouble(a), y = ToDouble(b);
    return x < y ? -1 : x > y;
  }
  if (a.is_string() && b.is_string()) {
    int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
    return c < 0 ? -1 : c > 0;
  }
  if (a.is_array() && b.is_array()) {
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
      if (PyEquals(a[i], b[i])) continue;
      return PyCompare(a[i], b[i], op);
    }
    return a.size() < b.size() ? -1 : a.size() > b.size();
  }
  throw RenderError(fmt::format("'{}' not supported between instances of '{}' and '{}'", op,
                                PyTypeName(a), PyTypeName(b)));
}

namespace {

struct Spec {
  char fill = ' ';
  char align = 0;
  char sign = '-';
  bool alt = false;
  bool zero = false;
  int width = -1;
  bool comma = false;
  int precision = -1;
  char type = 0;
};

std::string Pad(std::string s, const Spec& sp, char default_align) {
  char align = sp.align ? sp.align : default_align;
  int w = sp.width;
  // count UTF-8 code points
  int len = 0;
  for (unsigned char c : s) len += (c & 0xC0) != 0x80;
  if (w <= len) return s;
  int pad = w - len;
  if (align == '<') return s + std::string(pad, sp.fill);
  if (align == '>') return std::string(pad, sp.fill) + s;
  if (align == '^') return std::string(pad / 2, sp.fill) + s + std::string(pad - pad / 2, sp.fill);
  if (align == '=') {
    size_t signlen = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
    return s.substr(0, signlen) + std::string(pad, sp.fill) + s.substr(signlen);
  }
  return s;
}

std::string GroupThousands(const std::string& digits) {
  std::string out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++n) {
    if (n && n % 3 == 0) out += ',';
    out += *it;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

std::string FormatNumber(const Json& v, const Spec& sp) {
  char type = sp.type;
  bool is_int = v.is_number_integer() || v.is_boolean();
  if (!type) type = is_int ? 'd' : 'r';
  std::string body;
  double d = ToDouble(v);
  bool neg = false;
  if (type == 'd' || type == 'i' || type == 'u' || type == 'x' || type == 'X' || type == 'o' ||
      type == 'b') {
    if (!is_int && !v.is_number_float()) throw RenderError("%d format: a number is required");
    int64_t i = is_int ? (v.is_boolean() ? v.get<bool>() : v.get<int64_t>())
                       : static_cast<int64_t>(std::trunc(d));
    neg = i < 0;
    uint64_t u = neg ? -static_cast<uint64_t>(i) : i;
    if (type == 'x') body = fmt::format("{:x}", u);
    else if (type == 'X') body = fmt::format("{:X}", u);
    else if (type == 'o') body = fmt::format("{:o}", u);
    else if (type == 'b') body = fmt::format("{:b}", u);
    else body = std::to_string(u);
    if (sp.comma) body = GroupThousands(body);
    if (sp.alt && type == 'x') body = "0x" + body;
    if (sp.alt && type == 'o') body = "0o" + body;
  } else {
    neg = std::signbit(d) && !std::isnan(d);
    double a = std::fabs(d);
    int prec = sp.precision < 0 ? 6 : sp.precision;
    if (type == 'f' || type == 'F') body = fmt::format("{:.{}f}", a, prec);
    else if (type == 'e') body = fmt::format("{:.{}e}", a, prec);
    else if (type == 'E') body = fmt::format("{:.{}E}", a, prec);
    else if (type == 'g') body = fmt::format("{:.{}g}", a, prec ? prec : 1);
    else if (type == 'G') body = fmt::format("{:.{}G}", a, prec ? prec : 1);
    else if (type == '%') body = fmt::format("{:.{}f}%", a * 100, prec);
    else body = sp.precision >= 0 ? fmt::format("{:.{}g}", a, prec) : (is_int ? std::to_string(static_cast<int64_t>(a)) : PyFloatRepr(a));
    if (sp.comma) {
      size_t dot = body.find_first_of(".e%");
      body = GroupThousands(body.substr(0, dot)) + (dot == std::string::npos ? "" : body.substr(dot));
    }
  }
  std::string sign = neg ? "-" : sp.sign == '+' ? "+" : sp.sign == ' ' ? " " : "";
  if (sp.zero && !sp.align) {
    Spec z = sp;
    z.fill = '0';
    z.align = '=';
    return Pad(sign + body, z, '>');
  }
  return Pad(sign + body, sp, '>');
}

}  // namespace

std::string PyPercentFormat(const std::string& fmt_str, const Json& args) {
  std::string out;
  size_t argi = 0;
  auto next_arg = [&]() -> const Json& {
    if (args.is_array()) {
      if (argi >= args.size()) throw RenderError("not enough arguments for format string");
      return args[argi++];
    }
    if (argi++ > 0) throw RenderError("not enough arguments for format string");
    return args;
  };
  for (size_t i = 0; i < fmt_str.size(); ++i) {
    char c = fmt_str[i];
    if (c != '%') {
      out += c;
      continue;
    }
    if (++i >= fmt_str.size()) throw RenderError("incomplete format");
    const Json* mapped = nullptr;
    if (fmt_str[i] == '(') {
      size_t close = fmt_str.find(')', i);
      if (close == std::string::npos) throw RenderError("incomplete format key");
      std::string key = fmt_str.substr(i + 1, close - i - 1);
      if (!args.is_object() || !args.contains(key)) throw RenderError("'" + key + "'");
      mapped = &args[key];
      i = close + 1;
    }
    Spec sp;
    for (; i < fmt_str.size(); ++i) {
      char f = fmt_str[i];
      if (f == '-') sp.align = '<';
      else if (f == '+') sp.sign = '+';
      else if (f == ' ') sp.sign = ' ';
      else if (f == '0') sp.zero = true;
      else if (f == '#') sp.alt = true;
      else break;
    }
    while (i < fmt_str.size() && isdigit(static_cast<unsigned char>(fmt_str[i])))
      sp.width = std::max(sp.width, 0) * 10 + (fmt_str[i++] - '0');
    if (i < fmt_str.size() && fmt_str[i] == '.') {
      sp.precision = 0;
      ++i;
      while (i < fmt_str.size() && isdigit(static_cast<unsigned char>(fmt_str[i])))
        sp.precision = sp.precision * 10 + (fmt_str[i++] - '0');
    }
    if (i >= fmt_str.size()) throw RenderError("incomplete format");
    char type = fmt_str[i];
    if (type == '%') {
      out += '%';
      continue;
    }
    const Json& a = mapped ? *mapped : next_arg();
    if (sp.align == '<') sp.zero = false;
    if (type == 's' || type == 'r' || type == 'a') {
      std::string s = type == 's' ? PyStr(a) : PyRepr(a);
      if (sp.precision >= 0) s = s.substr(0, sp.precision);
      out += Pad(s, sp, '>');
    } else {
      if (!a.is_number() && !a.is_boolean())
        throw RenderError(fmt::format("%{} format: a real number is required, not {}", type,
                                      PyTypeName(a)));
      sp.type = type == 'i' || type == 'u' ? 'd' : type;
      if (type == 'x' || type == 'X' || type == 'o' || type == 'd' || type == 'i') {
        Json iv = a.is_number_float() ? Json(static_cast<int64_t>(a.get<double>())) : a;
        out += FormatNumber(iv, sp);
      } else {
        out += FormatNumber(Json(ToDouble(a)), sp);
      }
    }
  }
  if (args.is_array() ? argi < args.size() : (argi == 0 && !args.is_object()))
    throw RenderError("not all arguments converted during string formatting");
  return out;
}

std::string PyStrFormat(const std::string& f, const std::vector<Json>& args, const Json& kwargs) {
  std::string out;
  size_t auto_index = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '}') {
      if (i + 1 < f.size() && f[i + 1] == '}') ++i;
      out += '}';
      continue;
    }
    if (c != '{') {
      out += c;
      continue;
    }
    if (i + 1 < f.size() && f[i + 1] == '{') {
      out += '{';
      ++i;
      continue;
    }
    size_t close = f.find('}', i);
    if (close == std::string::npos) throw RenderError("Single '{' encountered in format string");
    std::string field = f.substr(i + 1, close - i - 1);
    i = close;
    std::string spec_text;
    size_t colon = field.find(':');
    if (colon != std::string::npos) {
      spec_text = field.substr(colon + 1);
      field = field.substr(0, colon);
    }
    char conv = 0;
    if (size_t bang = field.find('!'); bang != std::string::npos) {
      conv = field[bang + 1];
      field = field.substr(0, bang);
    }
    std::string head = field, rest;
    size_t dot = field.find_first_of(".[");
    if (dot != std::string::npos) {
      head = field.substr(0, dot);
      rest = field.substr(dot);
    }
    const Json* v;
    if (head.empty()) {
      if (auto_index >= args.size())
        throw RenderError("Replacement index " + std::to_string(auto_index) +
                          " out of range for positional args tuple");
      v = &args[auto_index++];
    } else if (isdigit(static_cast<unsigned char>(head[0]))) {
      size_t k = std::stoul(head);
      if (k >= args.size())
        throw RenderError("Replacement index " + head + " out of range for positional args tuple");
      v = &args[k];
    } else {
      if (!kwargs.is_object() || !kwargs.contains(head)) throw RenderError("'" + head + "'");
      v = &kwargs[head];
    }
    while (!rest.empty()) {
      if (rest[0] == '.') {
        size_t e = rest.find_first_of(".[", 1);
        std::string key = rest.substr(1, e == std::string::npos ? e : e - 1);
        rest = e == std::string::npos ? "" : rest.substr(e);
        if (!v->is_object() || !v->contains(key)) throw RenderError("'" + key + "'");
        v = &(*v)[key];
      } else {
        size_t e = rest.find(']');
        std::string key = rest.substr(1, e - 1);
        rest = rest.substr(e + 1);
        if (v->is_array()) v = &(*v)[std::stoul(key)];
        else if (v->is_object() && v->contains(key)) v = &(*v)[key];
        else throw RenderError("'" + key + "'");
      }
    }
    Spec sp;
    size_t p = 0;
    const std::string& s = spec_text;
    if (s.size() >= 2 && (s[1] == '<' || s[1] == '>' || s[1] == '^' || s[1] == '=')) {
      sp.fill = s[0];
      sp.align = s[1];
      p = 2;
    } else if (!s.empty() && (s[0] == '<' || s[0] == '>' || s[0] == '^' || s[0] == '=')) {
      sp.align = s[0];
      p = 1;
    }
    if (p < s.size() && (s[p] == '+' || s[p] == '-' || s[p] == ' ')) sp.sign = s[p++];
    if (p < s.size() && s[p] == '#') sp.alt = true, ++p;
    if (p < s.size() && s[p] == '0') sp.zero = true, ++p;
    while (p < s.size() && isdigit(static_cast<unsigned char>(s[p])))
      sp.width = std::max(sp.width, 0) * 10 + (s[p++] - '0');
    if (p < s.size() && s[p] == ',') sp.comma = true, ++p;
    if (p < s.size() && s[p] == '.') {
      sp.precision = 0;
      ++p;
      while (p < s.size() && isdigit(static_cast<unsigned char>(s[p])))
        sp.precision = sp.precision * 10 + (s[p++] - '0');
    }
    if (p < s.size()) sp.type = s[p];
    if (conv == 'r') {
      out += Pad(PyRepr(*v), sp, '<');
    } else if ((v->is_number() || v->is_boolean()) && sp.type != 's' && !(v->is_boolean() && !sp.type)) {
      out += FormatNumber(*v, sp);
    } else {
      std::string str = PyStr(*v);
      if (sp.precision >= 0) str = str.substr(0, sp.precision);
      out += Pad(str, sp, '<');
    }
  }
  return out;
}

}  // namespace tend::jinja

namespace tend::jinja {
namespace {

void JsonString(const std::string& s, bool ensure_ascii, std::string& out) {
  out += '"';
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else if (c >= 0x80 && ensure_ascii) {
      uint32_t cp = 0;
      int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      cp = c & (0xFF >> (len + 1));
      for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
      i += len - 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
      } else {
        out += fmt::format("\\u{:04x}", cp);
      }
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}

void JsonDump(const Json& v, int indent, int level, bool sort, bool ascii, const std::string& item_sep,
              const std::string& key_sep, std::string& out) {
  auto newline = [&](int lvl) {
    if (indent >= 0) {
      out += '\n';
      out.append(static_cast<size_t>(indent * lvl), ' ');
    }
  };
  switch (v.type()) {
    case Json::value_t::null: out += "null"; return;
    case Json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case Json::value_t::number_float: {
      double d = v.get<double>();
      out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d < 0 ? "-Infinity" : "Infinity") : PyFloatRepr(d);
      return;
    }
    case Json::value_t::string: JsonString(v.get_ref<const std::string&>(), ascii, out); return;
    case Json::value_t::array: {
      if (v.empty()) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += item_sep;
        first = false;
        newline(level + 1);
        JsonDump(e, indent, level + 1, sort, ascii, item_sep, key_sep, out);
      }
      newline(level);
      out += ']';
      return;
    }
    case Json::value_t::object: {
      if (v.empty()) {
        out += "{}";
        return;
      }
      std::vector<std::pair<std::string, const Json*>> entries;
      for (auto it = v.begin(); it != v.end(); ++it) entries.emplace_back(it.key(), &it.value());
      if (sort) std::stable_sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.first < b.first; });
      out += '{';
      bool first = true;
      for (auto& [k, e] : entries) {
        if (!first) out += item_sep;
        first = false;
        newline(level + 1);
        JsonString(k, ascii, out);
        out += key_sep;
        JsonDump(*e, indent, level + 1, sort, ascii, item_sep, key_sep, out);
      }
      newline(level);
      out += '}';
      return;
    }
    default: out += PyStr(v);
  }
}

}  // namespace

std::string PyJsonDump(const Json& v, int indent, bool sort_keys, bool ensure_ascii,
                       const std::string& item_sep, const std::string& key_sep) {
  std::string out;
  JsonDump(v, indent, 0, sort_keys, ensure_ascii, item_sep, key_sep, out);
  return out;
}

}  // namespace tend::jinja

namespace tend {

std::string PythonJsonDumps(const Json& value) {
  return jinja::PyJsonDump(value, -1, false, true, ", ", ": ");
}

}  // namespace tend
