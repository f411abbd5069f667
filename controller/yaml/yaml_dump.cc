#include "controller/yaml/yaml_dump.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "controller/yaml/yaml.h"

namespace tend {

std::string PyFloatText(double d);

namespace {

bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  if (!ResolvePlainScalar(s).is_string()) return true;
  static const std::string kIndicators = "-?:,[]{}#&*!|>'\"%@`";
  if (kIndicators.find(s[0]) != std::string::npos) {
    if (!((s[0] == '-' || s[0] == '?' || s[0] == ':') && s.size() > 1 && s[1] != ' ')) return true;
  }
  if (s.front() == ' ' || s.back() == ' ') return true;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return true;
  if (s.back() == ':') return true;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  if (s == "~" || s == "=" || s == "<<") return true;
  return false;
}

bool NeedsDouble(const std::string& s) {
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return true;
  return s.find('\n') != std::string::npos;
}

std::string Scalar(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case Json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case Json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case Json::value_t::number_float: {
      double d = v.get<double>();
      if (std::isnan(d)) return ".nan";
      if (std::isinf(d)) return d < 0 ? "-.inf" : ".inf";
      return PyFloatText(d);
    }
    default: break;
  }
  const std::string& s = v.get_ref<const std::string&>();
  if (NeedsDouble(s)) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"') out += "\\\"";
      else if (c == '\\') out += "\\\\";
      else if (c == '\n') out += "\\n";
      else if (c == '\t') out += "\\t";
      else if (c == '\r') out += "\\r";
      else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02X}", c);
      else out += static_cast<char>(c);
    }
    return out + "\"";
  }
  if (!NeedsQuotes(s)) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

class Dumper {
 public:
  explicit Dumper(const YamlDumpOptions& o) : o_(o) {}

  std::vector<std::pair<std::string, const Json*>> Entries(const Json& m) {
    std::vector<std::pair<std::string, const Json*>> e;
    for (auto it = m.begin(); it != m.end(); ++it) e.emplace_back(it.key(), &it.value());
    if (o_.sort_keys) std::stable_sort(e.begin(), e.end(), [](auto& a, auto& b) { return a.first < b.first; });
    return e;
  }

  bool IsLeafCollection(const Json& v) {
    for (const auto& e : v)
      if (e.is_array() || e.is_object()) return false;
    return true;
  }

  std::string Flow(const Json& v) {
    if (v.is_array()) {
      std::string out = "[";
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        out += Flow(e);
      }
      return out + "]";
    }
    if (v.is_object()) {
      std::string out = "{";
      bool first = true;
      for (auto& [k, e] : Entries(v)) {
        if (!first) out += ", ";
        first = false;
        out += Scalar(Json(k)) + ": " + Flow(*e);
      }
      return out + "}";
    }
    return Scalar(v);
  }

  bool Inline(const Json& v) {
    if (!v.is_array() && !v.is_object()) return true;
    if (v.empty()) return true;
    return o_.default_flow_style && IsLeafCollection(v);
  }

  void Block(const Json& v, int indent, std::string& out) {
    std::string pad(indent, ' ');
    if (v.is_object()) {
      for (auto& [k, e] : Entries(v)) {
        out += pad + Scalar(Json(k)) + ":";
        if (Inline(*e)) {
          out += " " + Flow(*e) + "\n";
        } else if (e->is_array()) {
          out += "\n";
          Block(*e, indent, out);
        } else {
          out += "\n";
          Block(*e, indent + o_.indent, out);
        }
      }
    } else {
      for (const auto& e : v) {
        out += pad + "-";
        if (Inline(e)) {
          out += " " + Flow(e) + "\n";
        } else {
          std::string inner;
          Block(e, indent + o_.indent, inner);
          out += std::string(o_.indent - 1, ' ') + inner.substr(indent + o_.indent);
        }
      }
    }
  }

 private:
  const YamlDumpOptions& o_;
};

}  // namespace

std::string PyFloatText(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

std::string DumpYaml(const Json& value, const YamlDumpOptions& options) {
  Dumper d(options);
  if (d.Inline(value)) {
    std::string s = d.Flow(value);
    if (!value.is_array() && !value.is_object()) return s + "\n...\n";
    return s + "\n";
  }
  std::string out;
  d.Block(value, 0, out);
  return out;
}

}  // namespace tend
