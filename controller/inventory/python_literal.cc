#include "controller/inventory/python_literal.h"
#include "core/regex.h"


#include <fmt/format.h>

#include "core/utf8.h"

namespace tend {
namespace {

// A recursive-descent reader of Python literal syntax.
class LiteralReader {
 public:
  explicit LiteralReader(std::string_view text) : text_(text) {}

  std::optional<Json> ReadAll() {
    auto value = Expression();
    if (!value) return std::nullopt;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '#') pos_ = text_.size();
    if (pos_ != text_.size()) return std::nullopt;
    return value;
  }

 private:
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  char Peek() {
    SkipSpace();
    return pos_ < text_.size() ? text_[pos_] : '\0';
  }

  std::optional<Json> Expression() {
    SkipSpace();
    char c = Peek();
    if (c == '-' || c == '+') {
      ++pos_;
      auto operand = Expression();
      if (!operand || !operand->is_number() || operand->is_boolean()) return std::nullopt;
      if (c == '+') return operand;
      if (operand->is_number_float()) return Json(-operand->get<double>());
      return Json(-operand->get<int64_t>());
    }
    if (c == '[') return Sequence(']');
    if (c == '(') return Sequence(')');
    if (c == '{') return Mapping();
    if (c == '\'' || c == '"') return Strings();
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') return Number();
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') return NameOrPrefixedString();
    return std::nullopt;
  }

  std::optional<Json> Sequence(char close) {
    ++pos_;
    Json out = Json::array();
    bool saw_comma = false;
    while (true) {
      if (Eat(close)) break;
      auto item = Expression();
      if (!item) return std::nullopt;
      out.push_back(std::move(*item));
      if (Eat(',')) {
        saw_comma = true;
        continue;
      }
      if (!Eat(close)) return std::nullopt;
      break;
    }
    // "(x)" is just x in Python; only "(x,)" or "()" is a tuple.
    if (close == ')' && out.size() == 1 && !saw_comma) return out[0];
    return out;
  }

  static std::string KeyText(const Json& key) {
    if (key.is_string()) return key.get<std::string>();
    if (key.is_null()) return "null";
    if (key.is_boolean()) return key.get<bool>() ? "true" : "false";
    return key.dump();
  }

  std::optional<Json> Mapping() {
    ++pos_;
    Json out = Json::object();
    while (true) {
      if (Eat('}')) break;
      auto key = Expression();
      if (!key || key->is_object() || (key->is_array())) return std::nullopt;
      if (!Eat(':')) return std::nullopt;  // a set, or not a literal
      auto value = Expression();
      if (!value) return std::nullopt;
      out[KeyText(*key)] = std::move(*value);
      if (Eat(',')) continue;
      if (!Eat('}')) return std::nullopt;
      break;
    }
    return out;
  }

  std::optional<Json> NameOrPrefixedString() {
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
      ++pos_;
    std::string name(text_.substr(start, pos_ - start));
    if (pos_ < text_.size() && (text_[pos_] == '\'' || text_[pos_] == '"')) {
      std::string lower;
      for (char ch : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "r" || lower == "u" || lower == "b" || lower == "br" || lower == "rb") {
        pos_ = start;
        return Strings();
      }
      return std::nullopt;
    }
    if (name == "True") return Json(true);
    if (name == "False") return Json(false);
    if (name == "None") return Json(nullptr);
    return std::nullopt;
  }

  // One or more adjacent string literals, concatenated.
  std::optional<Json> Strings() {
    std::string out;
    bool any = false;
    while (true) {
      SkipSpace();
      size_t save = pos_;
      bool raw = false;
      while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) {
        char p = static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_])));
        if (p == 'r') raw = true;
        else if (p != 'u' && p != 'b') return std::nullopt;
        ++pos_;
      }
      if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
        pos_ = save;
        break;
      }
      if (!OneString(raw, out)) return std::nullopt;
      any = true;
    }
    if (!any) return std::nullopt;
    return Json(out);
  }

  bool OneString(bool raw, std::string& out) {
    char quote = text_[pos_];
    bool triple = text_.substr(pos_, 3) == std::string(3, quote);
    pos_ += triple ? 3 : 1;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == quote && (!triple || text_.substr(pos_, 3) == std::string(3, quote))) {
        pos_ += triple ? 3 : 1;
        return true;
      }
      if (c == '\n' && !triple) return false;
      if (c == '\\' && pos_ + 1 < text_.size()) {
        if (raw) {
          out += c;
          out += text_[pos_ + 1];
          pos_ += 2;
          continue;
        }
        if (!Escape(out)) return false;
        continue;
      }
      out += c;
      ++pos_;
    }
    return false;
  }

  bool Escape(std::string& out) {
    char e = text_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '\n': return true;
      case '\\': out += '\\'; return true;
      case '\'': out += '\''; return true;
      case '"': out += '"'; return true;
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'v': out += '\v'; return true;
      case 'x': case 'u': case 'U': {
        size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (pos_ + digits > text_.size()) return false;
        uint32_t cp = 0;
        for (size_t i = 0; i < digits; ++i) {
          char h = text_[pos_ + i];
          if (!std::isxdigit(static_cast<unsigned char>(h))) return false;
          cp = cp * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
        }
        pos_ += digits;
        AppendUtf8(out, cp);
        return true;
      }
      default:
        if (e >= '0' && e <= '7') {
          uint32_t cp = static_cast<uint32_t>(e - '0');
          for (int i = 0; i < 2 && pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '7'; ++i)
            cp = cp * 8 + static_cast<uint32_t>(text_[pos_++] - '0');
          AppendUtf8(out, cp);
          return true;
        }
        out += '\\';
        out += e;
        return true;
    }
  }

  std::optional<Json> Number() {
    static const Regex kInt = Regex::Fixed(R"((0[xX](_?[0-9a-fA-F])+|0[oO](_?[0-7])+|0[bB](_?[01])+|[1-9](_?[0-9])*|0+(_?0)*))");
    static const Regex kFloat = Regex::Fixed(
        R"((([0-9](_?[0-9])*)?\.[0-9](_?[0-9])*|[0-9](_?[0-9])*\.)([eE][-+]?[0-9](_?[0-9])*)?|[0-9](_?[0-9])*[eE][-+]?[0-9](_?[0-9])*)");
    size_t start = pos_;
    while (pos_ < text_.size() &&
           (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '.' ||
            text_[pos_] == '_' ||
            ((text_[pos_] == '-' || text_[pos_] == '+') &&
             (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E') &&
             !(text_[start] == '0' && pos_ > start + 1 &&
               (text_[start + 1] == 'x' || text_[start + 1] == 'X')))))
      ++pos_;
    std::string token(text_.substr(start, pos_ - start));
    std::string plain;
    for (char c : token)
      if (c != '_') plain += c;
    try {
      if (kInt.Matches(token)) {
        int base = 10;
        std::string digits = plain;
        if (plain.size() > 1 && plain[0] == '0' && std::isalpha(static_cast<unsigned char>(plain[1]))) {
          char b = static_cast<char>(std::tolower(plain[1]));
          base = b == 'x' ? 16 : b == 'o' ? 8 : 2;
          digits = plain.substr(2);
        }
        return Json(static_cast<int64_t>(std::stoll(digits, nullptr, base)));
      }
      if (kFloat.Matches(token)) return Json(std::stod(plain));
    } catch (const std::exception&) {
      return std::nullopt;  // beyond int64: keep the text
    }
    return std::nullopt;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::optional<Json> PythonLiteral(std::string_view text) {
  if (text.empty() || text.front() == ' ' || text.front() == '\t') return std::nullopt;
  return LiteralReader(text).ReadAll();
}

Expected<std::vector<std::string>> ShlexSplitIni(std::string_view line) {
  std::vector<std::string> tokens;
  std::string token;
  bool in_token = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (in_token) tokens.push_back(std::move(token));
      token.clear();
      in_token = false;
    } else if (c == '#') {
      break;
    } else if (c == '\\') {
      if (i + 1 >= line.size()) return Fail("No escaped character");
      token += line[++i];
      in_token = true;
    } else if (c == '\'' || c == '"') {
      in_token = true;
      size_t j = i + 1;
      for (; j < line.size() && line[j] != c; ++j) {
        if (c == '"' && line[j] == '\\' && j + 1 < line.size() &&
            (line[j + 1] == '"' || line[j + 1] == '\\')) {
          ++j;
        }
        token += line[j];
      }
      if (j >= line.size()) return Fail("No closing quotation");
      i = j;
    } else {
      token += c;
      in_token = true;
    }
  }
  if (in_token) tokens.push_back(std::move(token));
  return tokens;
}

Expected<std::vector<std::string>> ExpandHostRanges(const std::string& pattern) {
  size_t open = pattern.find('[');
  size_t close = open == std::string::npos ? open : pattern.find(']', open);
  if (open == std::string::npos || close == std::string::npos ||
      pattern.substr(open, close - open).find(':') == std::string::npos) {
    return std::vector<std::string>{pattern};
  }
  std::string head = pattern.substr(0, open);
  std::string range = pattern.substr(open + 1, close - open - 1);
  std::string tail = pattern.substr(close + 1);
  std::vector<std::string> bounds;
  for (size_t at = 0;;) {
    size_t colon = range.find(':', at);
    bounds.push_back(range.substr(at, colon - at));
    if (colon == std::string::npos) break;
    at = colon + 1;
  }
  if (bounds.size() != 2 && bounds.size() != 3) {
    return Fail("host range must be begin:end or begin:end:step");
  }
  std::string begin = bounds[0].empty() ? "0" : bounds[0];
  const std::string& end = bounds[1];
  if (end.empty()) return Fail("host range must specify end value");
  int step = 1;
  try {
    if (bounds.size() == 3) step = std::stoi(bounds[2]);
  } catch (const std::exception&) {
    return Fail(fmt::format("invalid host range step '{}'", bounds[2]));
  }
  if (step <= 0) return Fail("host range step must be positive");
  std::vector<std::string> items;
  bool alpha = begin.size() == 1 && end.size() == 1 && std::isalpha(static_cast<unsigned char>(begin[0])) &&
               std::isalpha(static_cast<unsigned char>(end[0]));
  if (alpha) {
    static const std::string kLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    size_t b = kLetters.find(begin[0]), e = kLetters.find(end[0]);
    if (b > e) return Fail("host range must have begin <= end");
    for (size_t i = b; i <= e; i += static_cast<size_t>(step)) items.emplace_back(1, kLetters[i]);
  } else {
    size_t width = begin.size() > 1 && begin[0] == '0' ? begin.size() : 0;
    if (width && width != end.size()) {
      return Fail("host range must specify equal-length begin and end formats");
    }
    long long b = 0, e = 0;
    try {
      b = std::stoll(begin);
      e = std::stoll(end);
    } catch (const std::exception&) {
      return Fail(fmt::format("invalid host range [{}]", range));
    }
    for (long long i = b; i <= e; i += step) {
      items.push_back(width ? fmt::format("{:0{}d}", i, width) : std::to_string(i));
    }
  }
  std::vector<std::string> names;
  for (const auto& item : items) {
    auto rest = ExpandHostRanges(head + item + tail);
    if (!rest) return rest;
    names.insert(names.end(), rest->begin(), rest->end());
  }
  return names;
}

std::pair<std::string, int> SplitHostPort(const std::string& pattern) {
  static const Regex kBracketed = Regex::Fixed(R"(\[([^\]]+)\]:(\d+))");
  static const Regex kHostPort = Regex::Fixed(R"(((?:[^:\[\]]|\[[^\]]*\])+):(\d+))");
  auto group = [](const RegexMatch& m, size_t i) { return std::string(m.GroupOrEmpty(i)); };
  auto bracketed = kBracketed.FullMatch(pattern);
  if (bracketed && *bracketed) {
    std::string inner = group(**bracketed, 1);
    // "[fe80::1]:22" is an address; "[1:3]:22" would be a range, kept whole.
    if (std::count(inner.begin(), inner.end(), ':') >= 2) {
      // A port past int's range is no port; the text stays one host name, as
      // below (found by fuzz_ini_inventory: std::stoi threw out of tend).
      try {
        return {inner, std::stoi(group(**bracketed, 2))};
      } catch (const std::exception&) {
        return {pattern, 0};
      }
    }
  }
  auto host_port = kHostPort.FullMatch(pattern);
  if (host_port && *host_port) {
    try {
      return {group(**host_port, 1), std::stoi(group(**host_port, 2))};
    } catch (const std::exception&) {
    }
  }
  return {pattern, 0};
}

}  // namespace tend
