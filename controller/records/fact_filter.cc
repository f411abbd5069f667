#include "controller/records/fact_filter.h"

#include <fmt/format.h>

#include <cctype>
#include <compare>
#include <vector>

namespace tend {
namespace {

constexpr const char* kOperators[] = {"==", "!=", "<=", ">=", "<", ">"};

bool IsNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-';
}

std::unexpected<Error> SyntaxError(const std::string& text, size_t at, const std::string& what) {
  return Fail(fmt::format("--where: {}", what), Location{},
              CaretSnippet(text, 1, static_cast<int>(at) + 1));
}

size_t SkipSpaces(const std::string& text, size_t at) {
  while (at < text.size() && text[at] == ' ') ++at;
  return at;
}

// "11.9.1" → {11, 9, 1}; empty when `text` is not dotted numbers.
std::vector<long> VersionParts(const std::string& text) {
  std::vector<long> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t dot = text.find('.', start);
    if (dot == std::string::npos) dot = text.size();
    std::string part = text.substr(start, dot - start);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return {};
    parts.push_back(std::stol(part));
    start = dot + 1;
  }
  return parts;
}

std::string AsText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::partial_ordering Compare(const Json& fact, const Json& value) {
  if (fact.is_number() && value.is_number()) return fact.get<double>() <=> value.get<double>();
  std::string a = AsText(fact), b = AsText(value);
  auto va = VersionParts(a), vb = VersionParts(b);
  if (!va.empty() && !vb.empty()) return va <=> vb;
  return a <=> b;
}

}  // namespace

Expected<FactFilter> ParseFactFilter(const std::string& text) {
  FactFilter f;
  size_t at = SkipSpaces(text, 0);
  size_t start = at;
  while (at < text.size() && IsNameChar(text[at])) ++at;
  if (at == start) return SyntaxError(text, at, "expected a fact name");
  f.fact = text.substr(start, at - start);
  at = SkipSpaces(text, at);
  for (const char* op : kOperators) {
    if (text.compare(at, std::char_traits<char>::length(op), op) == 0) {
      f.op = op;
      break;
    }
  }
  if (f.op.empty()) return SyntaxError(text, at, "expected one of == != < <= > >=");
  at = SkipSpaces(text, at + f.op.size());
  if (at == text.size()) return SyntaxError(text, at, "expected a value");
  if (text[at] == '"' || text[at] == '\'') {
    size_t close = text.find(text[at], at + 1);
    if (close == std::string::npos) return SyntaxError(text, at, "unterminated quote");
    f.value = text.substr(at + 1, close - at - 1);
    at = close + 1;
  } else {
    size_t end = text.find(' ', at);
    std::string word = text.substr(at, end == std::string::npos ? std::string::npos : end - at);
    Json number = Json::parse(word, nullptr, false);
    f.value = number.is_number() ? number : Json(word);
    at += word.size();
  }
  at = SkipSpaces(text, at);
  if (at != text.size()) return SyntaxError(text, at, "unexpected text after the value");
  return f;
}

Json FactAt(const Json& facts, const std::string& path) {
  for (const std::string& full : {path, "ansible_" + path}) {
    const Json* node = &facts;
    size_t start = 0;
    while (node != nullptr && start <= full.size()) {
      size_t dot = full.find('.', start);
      if (dot == std::string::npos) dot = full.size();
      std::string key = full.substr(start, dot - start);
      node = node->is_object() && node->contains(key) ? &(*node)[key] : nullptr;
      start = dot + 1;
    }
    if (node != nullptr) return *node;
  }
  return Json();
}

bool Matches(const FactFilter& f, const Json& facts) {
  Json fact = FactAt(facts, f.fact);
  if (fact.is_null()) return f.op == "!=";
  std::partial_ordering c = Compare(fact, f.value);
  if (f.op == "==") return c == 0;
  if (f.op == "!=") return c != 0;
  if (f.op == "<") return c < 0;
  if (f.op == "<=") return c <= 0;
  if (f.op == ">") return c > 0;
  return c >= 0;
}

}  // namespace tend
