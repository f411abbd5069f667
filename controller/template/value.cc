// Python semantics of values: truthiness, comparison and the two
// string-formatting mini-languages (str() and repr() are core/python_format).

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "controller/template/jinja.h"
#include "core/python_format.h"

namespace tend::jinja {

const Json& Value::EmptyString() {
  static const Json empty = "";
  return empty;
}

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
    else body = sp.precision >= 0 ? fmt::format("{:.{}g}", a, prec) : (is_int ? std::to_string(static_cast<int64_t>(a)) : PythonFloatRepr(a));
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
      std::string s = type == 's' ? PythonStr(a) : PythonRepr(a);
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
      out += Pad(PythonRepr(*v), sp, '<');
    } else if ((v->is_number() || v->is_boolean()) && sp.type != 's' && !(v->is_boolean() && !sp.type)) {
      out += FormatNumber(*v, sp);
    } else {
      std::string str = PythonStr(*v);
      if (sp.precision >= 0) str = str.substr(0, sp.precision);
      out += Pad(str, sp, '<');
    }
  }
  return out;
}

}  // namespace tend::jinja
