#include "core/python_format.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/utf8.h"

namespace tend {
namespace {

// Assigned code points from U+0080 up that Python's str.isprintable() rejects
// (Unicode 15, Python 3.11: categories Cc, Cf, Cs, Co, Zl, Zp and Zs but space);
// repr() escapes them. Unassigned code points (Cn) are left as they are.
constexpr std::pair<uint32_t, uint32_t> kNonPrintable[] = {
    {0x80, 0xA0},       {0xAD, 0xAD},       {0x600, 0x605},     {0x61C, 0x61C},
    {0x6DD, 0x6DD},     {0x70F, 0x70F},     {0x890, 0x891},     {0x8E2, 0x8E2},
    {0x1680, 0x1680},   {0x180E, 0x180E},   {0x2000, 0x200F},   {0x2028, 0x202F},
    {0x205F, 0x2064},   {0x2066, 0x206F},   {0x3000, 0x3000},   {0xD800, 0xF8FF},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},   {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
    {0x13430, 0x13438}, {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F}, {0xF0000, 0xFFFFD}, {0x100000, 0x10FFFD},
};

bool IsPrintable(uint32_t cp) {
  if (cp < 0x80) return cp >= 0x20 && cp != 0x7F;
  auto it = std::upper_bound(std::begin(kNonPrintable), std::end(kNonPrintable), cp,
                             [](uint32_t c, const auto& range) { return c < range.first; });
  return it == std::begin(kNonPrintable) || cp > std::prev(it)->second;
}

void AppendStringRepr(std::string_view s, std::string& out) {
  bool has_single = s.find('\'') != std::string_view::npos;
  bool has_double = s.find('"') != std::string_view::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  out += quote;
  for (size_t at = 0; at < s.size();) {
    size_t start = at;
    uint32_t cp = NextCodePoint(s, at);
    if (cp == '\\' || cp == static_cast<uint32_t>(quote)) {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (IsPrintable(cp)) {
      out.append(s.substr(start, at - start));
    } else if (cp < 0x100) {
      out += fmt::format("\\x{:02x}", cp);
    } else if (cp < 0x10000) {
      out += fmt::format("\\u{:04x}", cp);
    } else {
      out += fmt::format("\\U{:08x}", cp);
    }
  }
  out += quote;
}

void AppendInteger(const Json& value, std::string& out) {
  char buf[24];
  auto end = value.is_number_unsigned()
                 ? std::to_chars(buf, buf + sizeof buf, value.get<uint64_t>()).ptr
                 : std::to_chars(buf, buf + sizeof buf, value.get<int64_t>()).ptr;
  out.append(buf, end);
}

void AppendJsonString(std::string_view s, bool ensure_ascii, std::string& out) {
  out += '"';
  for (size_t at = 0; at < s.size();) {
    size_t start = at;
    uint32_t cp = NextCodePoint(s, at);
    switch (cp) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    // ensure_ascii escapes everything outside ' '..'~' (DEL included); without it
    // only the C0 controls are escaped.
    bool escape = cp < 0x20 || (ensure_ascii && cp > 0x7E);
    if (!escape) {
      out.append(s.substr(start, at - start));
    } else if (cp >= 0x10000) {
      cp -= 0x10000;
      out += fmt::format("\\u{:04x}\\u{:04x}", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
    } else {
      out += fmt::format("\\u{:04x}", cp);
    }
  }
  out += '"';
}

class JsonWriter {
 public:
  JsonWriter(const JsonDumpsOptions& options, std::string& out)
      : options_(options),
        item_separator_(options.item_separator.value_or(options.indent ? "," : ", ")),
        out_(out) {}

  void Write(const Json& v, int level) {
    switch (v.type()) {
      case Json::value_t::null: out_ += "null"; return;
      case Json::value_t::boolean: out_ += v.get<bool>() ? "true" : "false"; return;
      case Json::value_t::number_float: return WriteFloat(v.get<double>());
      case Json::value_t::string:
        return AppendJsonString(v.get_ref<const std::string&>(), options_.ensure_ascii, out_);
      case Json::value_t::array: return WriteArray(v, level);
      case Json::value_t::object: return WriteObject(v, level);
      case Json::value_t::number_integer:
      case Json::value_t::number_unsigned: return AppendInteger(v, out_);
      default: out_ += v.dump();
    }
  }

 private:
  void WriteFloat(double d) {
    if (std::isnan(d)) out_ += "NaN";
    else if (std::isinf(d)) out_ += d < 0 ? "-Infinity" : "Infinity";
    else out_ += PythonFloatRepr(d);
  }

  void NewLine(int level) {
    if (!options_.indent) return;
    out_ += '\n';
    out_.append(static_cast<size_t>(*options_.indent * level), ' ');
  }

  void WriteArray(const Json& v, int level) {
    if (v.empty()) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out_ += item_separator_;
      NewLine(level + 1);
      Write(v[i], level + 1);
    }
    NewLine(level);
    out_ += ']';
  }

  void WriteObject(const Json& v, int level) {
    if (v.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<std::pair<std::string_view, const Json*>> entries;
    for (auto it = v.begin(); it != v.end(); ++it) entries.emplace_back(it.key(), &it.value());
    if (options_.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    out_ += '{';
    for (size_t i = 0; i < entries.size(); ++i) {
      if (i > 0) out_ += item_separator_;
      NewLine(level + 1);
      AppendJsonString(entries[i].first, options_.ensure_ascii, out_);
      out_ += options_.key_separator;
      Write(*entries[i].second, level + 1);
    }
    NewLine(level);
    out_ += '}';
  }

  const JsonDumpsOptions& options_;
  std::string item_separator_;
  std::string& out_;
};

}  // namespace

std::string PythonFloatRepr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  // The shortest round-trip digits, then laid out as float_repr_style 'r' does:
  // positional for exponents -4..15, scientific with a two-digit exponent otherwise.
  char buf[32];
  std::string_view sci(buf, std::to_chars(buf, buf + sizeof buf, std::fabs(d),
                                          std::chars_format::scientific).ptr);
  size_t e = sci.find('e');
  int exp = 0;
  std::from_chars(sci.data() + e + (sci[e + 1] == '+' ? 2 : 1), sci.data() + sci.size(), exp);
  std::string digits(sci.substr(0, e));
  std::erase(digits, '.');
  int size = static_cast<int>(digits.size());
  std::string out = d < 0 ? "-" : "";
  if (exp < -4 || exp >= 16) {
    out += digits.substr(0, 1);
    if (size > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
  } else if (exp < 0) {
    out += "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (size <= exp + 1) {
    out += digits + std::string(static_cast<size_t>(exp + 1 - size), '0') + ".0";
  } else {
    out += digits.substr(0, static_cast<size_t>(exp + 1)) + "." + digits.substr(static_cast<size_t>(exp + 1));
  }
  return out;
}

void AppendPythonRepr(const Json& value, std::string& out) {
  switch (value.type()) {
    case Json::value_t::string: return AppendStringRepr(value.get_ref<const std::string&>(), out);
    case Json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < value.size(); ++i) {
        if (i > 0) out += ", ";
        AppendPythonRepr(value[i], out);
      }
      out += ']';
      return;
    }
    case Json::value_t::object: {
      out += '{';
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (it != value.begin()) out += ", ";
        AppendStringRepr(it.key(), out);
        out += ": ";
        AppendPythonRepr(it.value(), out);
      }
      out += '}';
      return;
    }
    case Json::value_t::null: out += "None"; return;
    case Json::value_t::boolean: out += value.get<bool>() ? "True" : "False"; return;
    case Json::value_t::number_float: out += PythonFloatRepr(value.get<double>()); return;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return AppendInteger(value, out);
    default: out += value.dump();
  }
}

std::string PythonRepr(const Json& value) {
  std::string out;
  AppendPythonRepr(value, out);
  return out;
}

void AppendPythonStr(const Json& value, std::string& out) {
  if (value.is_string()) out += value.get_ref<const std::string&>();
  else AppendPythonRepr(value, out);
}

std::string PythonStr(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  return PythonRepr(value);
}

std::string PythonJsonDumps(const Json& value, const JsonDumpsOptions& options) {
  std::string out;
  JsonWriter(options, out).Write(value, 0);
  return out;
}

}  // namespace tend
