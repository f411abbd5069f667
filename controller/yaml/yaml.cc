#include "controller/yaml/yaml.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <mutex>
#include <fstream>
#include <cstdlib>
#include <sstream>

#include <fmt/format.h>

#include "core/json_object.h"
#include "core/read_file.h"
#include "core/regex.h"

namespace tend {
namespace {

std::string EscapePointerToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

std::string Strip(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '_'), s.end());
  return s;
}

std::optional<Json> ResolveInt(const std::string& text) {
  static const Regex kDec = Regex::Fixed(R"([-+]?(0|[1-9][0-9_]*))");
  static const Regex kOct = Regex::Fixed(R"([-+]?0[0-7_]+)");
  static const Regex kHex = Regex::Fixed(R"([-+]?0x[0-9a-fA-F_]+)");
  static const Regex kBin = Regex::Fixed(R"([-+]?0b[01_]+)");
  static const Regex kSexa = Regex::Fixed(R"([-+]?[1-9][0-9_]*(:[0-5]?[0-9])+)");
  bool negative = !text.empty() && text[0] == '-';
  std::string body = Strip(text.substr(!text.empty() && (text[0] == '-' || text[0] == '+')));
  try {
    int64_t value = 0;
    if (kDec.Matches(text)) value = std::stoll(body, nullptr, 10);
    else if (kHex.Matches(text)) value = std::stoll(body.substr(2), nullptr, 16);
    else if (kBin.Matches(text)) value = std::stoll(body.substr(2), nullptr, 2);
    else if (kOct.Matches(text)) value = std::stoll(body, nullptr, 8);
    else if (kSexa.Matches(text)) {
      std::stringstream parts(body);
      for (std::string part; std::getline(parts, part, ':');) {
        if (__builtin_mul_overflow(value, 60, &value) ||
            __builtin_add_overflow(value, std::stoll(part), &value)) {
          return std::nullopt;
        }
      }
    } else {
      return std::nullopt;
    }
    return Json(negative ? -value : value);
  } catch (const std::out_of_range&) {
    return std::nullopt;  // Python has big ints; a string is the honest fallback.
  }
}

std::optional<Json> ResolveFloat(const std::string& text) {
  static const Regex kFloat = Regex::Fixed(R"([-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+][0-9]+)?)");
  static const Regex kInf = Regex::Fixed(R"([-+]?\.(inf|Inf|INF))");
  static const Regex kNan = Regex::Fixed(R"(\.(nan|NaN|NAN))");
  if (text == "." || text == "-." || text == "+.") return std::nullopt;
  // strtod, not stod: past the double range Python gives inf or 0.0, where
  // stod throws (found by fuzz_yaml: "1.0e-99999" escaped as an exception).
  if (kFloat.Matches(text)) return Json(std::strtod(Strip(text).c_str(), nullptr));
  if (kInf.Matches(text))
    return Json(text[0] == '-' ? -INFINITY : INFINITY);
  if (kNan.Matches(text)) return Json(NAN);
  return std::nullopt;
}

std::mutex warning_mutex;
YamlWarningSink& WarningSink() {
  static YamlWarningSink sink;
  return sink;
}

void EmitYamlWarning(const std::string& text) {
  std::lock_guard lock(warning_mutex);
  if (WarningSink()) WarningSink()(text);
  else fmt::print(stderr, "[WARNING]: {}\n", text);
}

class Converter {
 public:
  // Aliases share nodes in yaml-cpp, but a Json copy expands each one: a
  // 636-byte "billion laughs" document would expand to 10^9 values (issue
  // 21). A document without aliases has fewer values than bytes, so this
  // budget never limits a real file.
  Converter(const std::string& file, YamlMarks* marks, std::string_view text)
      : file_(file), marks_(marks), text_(text), budget_(text.size() + kAliasAllowance) {}

  Expected<Json> Convert(const YAML::Node& node, const std::string& pointer) {
    if (budget_ == 0) {
      return Fail(fmt::format("YAML aliases expand this document beyond {} values (an alias bomb?)",
                              kAliasAllowance),
                  Where(node));
    }
    --budget_;
    // Nesting through aliases escapes yaml-cpp's own depth limit.
    if (++depth_ > kMaxDepth) {
      return Fail(fmt::format("YAML nests deeper than {} levels", kMaxDepth), Where(node));
    }
    auto out = ConvertNode(node, pointer);
    --depth_;
    return out;
  }

 private:
  static constexpr size_t kAliasAllowance = 1'000'000;
  static constexpr int kMaxDepth = 1000;

  Expected<Json> ConvertNode(const YAML::Node& node, const std::string& pointer) {
    if (marks_) marks_->Set(pointer, Where(node));
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return Json(nullptr);
      case YAML::NodeType::Scalar:
        return Scalar(node);
      case YAML::NodeType::Sequence:
        return Sequence(node, pointer);
      case YAML::NodeType::Map:
        return Map(node, pointer);
    }
    return Json(nullptr);
  }

 private:
  Location Where(const YAML::Node& node) const {
    YAML::Mark m = node.Mark();
    return Location{file_, m.line + 1, m.column + 1};
  }

  Expected<Json> Scalar(const YAML::Node& node) {
    const std::string& tag = node.Tag();
    const std::string& text = node.Scalar();
    if (tag == "?") return ResolvePlainScalar(text);
    if (tag == "!" && !QuoteClosed(node)) {
      Location where = Where(node);
      return Fail("YAML syntax error: found unexpected end of stream (a quote is not closed)",
                  where, CaretSnippet(text_, where.line, where.column));
    }
    if (tag == "!" || tag == "tag:yaml.org,2002:str") return Json(text);
    if (tag == "!vault") return Json{{"__ansible_vault", text}};
    if (tag == "!unsafe") return Json{{"__ansible_unsafe", text}};
    if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
        tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      Json value = ResolvePlainScalar(text);
      if (!value.is_string()) return value;
    }
    return Fail(fmt::format("unsupported YAML tag '{}'", tag), Where(node));
  }

  Expected<Json> Sequence(const YAML::Node& node, const std::string& pointer) {
    Json out = Json::array();
    size_t i = 0;
    for (const auto& item : node) {
      auto value = Convert(item, pointer + "/" + std::to_string(i++));
      if (!value) return value;
      out.push_back(std::move(*value));
    }
    return out;
  }

  Expected<Json> Map(const YAML::Node& node, const std::string& pointer) {
    ObjectBuilder out;
    std::vector<Json> merges;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar() && !entry.first.IsNull()) {
        return Fail("mapping keys must be scalars", Where(entry.first));
      }
      std::string key = entry.first.IsNull() ? "" : entry.first.Scalar();
      if (key == "<<" && entry.first.Tag() == "?") {
        auto merged = Convert(entry.second, pointer + "/<<");
        if (!merged) return merged;
        if (merged->is_object()) merges.push_back(std::move(*merged));
        else if (merged->is_array()) {
          for (auto& m : *merged) merges.push_back(std::move(m));
        }
        continue;
      }
      auto value = Convert(entry.second, pointer + "/" + EscapePointerToken(key));
      if (!value) return value;
      if (!out.Set(key, std::move(*value))) DuplicateKey(node, key);
    }
    // Merge keys never override explicit keys; earlier merges win over later.
    for (const auto& m : merges) {
      if (!m.is_object()) return Fail("merge key (<<) needs a mapping", Where(node));
      for (const auto& [k, v] : m.items()) {
        if (!out.Contains(k)) out.Set(k, v);
      }
    }
    return out.Take();
  }

  // yaml-cpp ends a quoted scalar left open at the end of the file there,
  // swallowing what follows (issue 21); PyYAML, and so Ansible, refuse it.
  bool QuoteClosed(const YAML::Node& node) const {
    size_t at = static_cast<size_t>(node.Mark().pos);
    if (at >= text_.size() || (text_[at] != '"' && text_[at] != '\'')) return true;
    char quote = text_[at];
    for (size_t i = at + 1; i < text_.size(); ++i) {
      if (quote == '"' && text_[i] == '\\') {
        ++i;
      } else if (text_[i] == quote) {
        if (quote == '\'' && i + 1 < text_.size() && text_[i + 1] == '\'') {
          ++i;
        } else {
          return true;
        }
      }
    }
    return false;
  }

  // PyYAML keeps the last value; Ansible warns with these words.
  void DuplicateKey(const YAML::Node& map, const std::string& key) const {
    Location where = Where(map);
    EmitYamlWarning(fmt::format(
        "While constructing a mapping from {}, line {}, column {}, found a duplicate dict key "
        "({}). Using last defined value only.",
        file_, where.line, where.column, key));
  }

  const std::string& file_;
  YamlMarks* marks_;
  std::string_view text_;
  size_t budget_;
  int depth_ = 0;
};

}  // namespace

void SetYamlWarningSink(YamlWarningSink sink) {
  std::lock_guard lock(warning_mutex);
  WarningSink() = std::move(sink);
}

Location YamlMarks::Find(std::string_view pointer) const {
  std::string p(pointer);
  while (true) {
    auto it = marks_.find(p);
    if (it != marks_.end()) return it->second;
    if (p.empty()) return Location{file_, 0, 0};
    p.erase(p.rfind('/'));
  }
}

Json ResolvePlainScalar(const std::string& text) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return Json(nullptr);
  }
  static const char* kTrue[] = {"yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"};
  static const char* kFalse[] = {"no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"};
  for (const char* t : kTrue)
    if (text == t) return Json(true);
  for (const char* f : kFalse)
    if (text == f) return Json(false);
  char c = text[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
    if (auto i = ResolveInt(text)) return *i;
    if (auto f = ResolveFloat(text)) return *f;
  }
  return Json(text);
}

Expected<Json> ParseYaml(std::string_view text, const std::string& file, YamlMarks* marks) {
  if (marks) marks->set_file(file);
  try {
    YAML::Node root = YAML::Load(std::string(text));
    return Converter(file, marks, text).Convert(root, "");
  } catch (const YAML::Exception& e) {
    int line = e.mark.is_null() ? 0 : e.mark.line + 1;
    int column = e.mark.is_null() ? 0 : e.mark.column + 1;
    std::string detail = line > 0 ? CaretSnippet(text, line, column) : "";
    return Fail("YAML syntax error: " + e.msg, Location{file, line, column}, detail);
  }
}

Expected<Json> LoadYamlFile(const std::string& path, YamlMarks* marks) {
  auto text = ReadInputFile(path);
  if (!text) return std::unexpected(text.error());
  return ParseYaml(*text, path, marks);
}

}  // namespace tend
