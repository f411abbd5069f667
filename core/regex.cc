#include "core/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

namespace tend {
namespace {

// Generous for real patterns (a million backtracking steps per match is
// already seconds of work), small enough that a catastrophic pattern on a
// large subject fails in well under a second.
constexpr uint32_t kMatchLimit = 10'000'000;
constexpr uint32_t kHeapLimitKib = 64 * 1024;
constexpr size_t kUnset = PCRE2_UNSET;

const pcre2_code* Code(const std::shared_ptr<const void>& p) {
  return static_cast<const pcre2_code*>(p.get());
}

std::string PcreMessage(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

bool IsHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Python spells a few things PCRE2 spells differently: \Z is PCRE2's \z
// (PCRE2's \Z also matches before a final newline), and \uXXXX / \UXXXXXXXX
// are \x{...}. Character classes are copied as they are.
std::string TranslatePython(std::string_view p) {
  std::string out;
  out.reserve(p.size());
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[i + 1];
      size_t digits = n == 'u' ? 4 : n == 'U' ? 8 : 0;
      if (!in_class && n == 'Z') {
        out += "\\z";
      } else if (digits && i + 2 + digits <= p.size() &&
                 std::all_of(p.begin() + i + 2, p.begin() + i + 2 + digits, IsHex)) {
        out += fmt::format("\\x{{{}}}", p.substr(i + 2, digits));
        i += digits;
      } else {
        out += p.substr(i, 2);
      }
      ++i;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a literal member of the class.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

}  // namespace

std::optional<std::string_view> RegexMatch::Group(size_t i) const {
  if (2 * i + 1 >= offsets_.size() || offsets_[2 * i] == kUnset) return std::nullopt;
  return subject_.substr(offsets_[2 * i], offsets_[2 * i + 1] - offsets_[2 * i]);
}

std::optional<size_t> RegexMatch::GroupNumber(std::string_view name) const {
  std::string z(name);
  int n = pcre2_substring_number_from_name(Code(code_), reinterpret_cast<PCRE2_SPTR>(z.c_str()));
  if (n < 0) return std::nullopt;
  return static_cast<size_t>(n);
}

std::vector<std::pair<std::string, size_t>> RegexMatch::GroupNames() const {
  uint32_t count = 0, entry_size = 0;
  PCRE2_SPTR table = nullptr;
  pcre2_pattern_info(Code(code_), PCRE2_INFO_NAMECOUNT, &count);
  pcre2_pattern_info(Code(code_), PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
  pcre2_pattern_info(Code(code_), PCRE2_INFO_NAMETABLE, &table);
  std::vector<std::pair<std::string, size_t>> out;
  for (uint32_t i = 0; i < count; ++i) {
    // Each entry: the group number in two bytes, then the name, NUL-terminated.
    PCRE2_SPTR entry = table + i * entry_size;
    size_t number = (static_cast<size_t>(entry[0]) << 8) | entry[1];
    out.emplace_back(reinterpret_cast<const char*>(entry + 2), number);
  }
  // PCRE2's table is in name order; Python's groupdict is in pattern order.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return out;
}

Expected<Regex> Regex::Compile(std::string_view pattern, RegexFlags flags) {
  std::string translated = TranslatePython(pattern);
  uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF;
  if (flags.ignorecase) options |= PCRE2_CASELESS;
  if (flags.multiline) options |= PCRE2_MULTILINE;
  if (flags.dotall) options |= PCRE2_DOTALL;
  pcre2_compile_context* context = pcre2_compile_context_create(nullptr);
  pcre2_set_newline(context, PCRE2_NEWLINE_LF);
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()),
                                   translated.size(), options, &error, &offset, context);
  pcre2_compile_context_free(context);
  if (!code) {
    return Fail(fmt::format("invalid regular expression '{}': {} at position {}", pattern,
                            PcreMessage(error), offset));
  }
  Regex re;
  re.pattern_ = std::string(pattern);
  re.code_ = std::shared_ptr<const void>(
      code, [](const void* c) { pcre2_code_free(static_cast<pcre2_code*>(const_cast<void*>(c))); });
  return re;
}

Regex Regex::Fixed(std::string_view pattern, RegexFlags flags) {
  auto re = Compile(pattern, flags);
  if (!re) {
    std::fprintf(stderr, "tend: internal error: %s\n", re.error().message.c_str());
    std::abort();
  }
  return std::move(*re);
}

Expected<std::optional<RegexMatch>> Regex::Run(std::string_view subject, size_t start,
                                               unsigned options) const {
  const pcre2_code* code = Code(code_);
  pcre2_match_data* data = pcre2_match_data_create_from_pattern(code, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  pcre2_set_match_limit(context, kMatchLimit);
  pcre2_set_heap_limit(context, kHeapLimitKib);
  int rc = pcre2_match(code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), start,
                       options, data, context);
  pcre2_match_context_free(context);
  if (rc == PCRE2_ERROR_NOMATCH) {
    pcre2_match_data_free(data);
    return std::optional<RegexMatch>();
  }
  if (rc < 0) {
    pcre2_match_data_free(data);
    return Fail(fmt::format("regular expression '{}' on a {}-byte string: {}", pattern_,
                            subject.size(), PcreMessage(rc)));
  }
  RegexMatch m;
  m.subject_ = subject;
  m.code_ = code_;
  uint32_t pairs = pcre2_get_ovector_count(data);
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(data);
  uint32_t groups = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &groups);
  for (uint32_t i = 0; i <= groups; ++i) {
    bool set = i < pairs && i < static_cast<uint32_t>(rc) && ov[2 * i] != kUnset;
    m.offsets_.push_back(set ? ov[2 * i] : kUnset);
    m.offsets_.push_back(set ? ov[2 * i + 1] : kUnset);
  }
  pcre2_match_data_free(data);
  return std::optional<RegexMatch>(std::move(m));
}

Expected<std::optional<RegexMatch>> Regex::Search(std::string_view subject, size_t start) const {
  return Run(subject, start, 0);
}

Expected<std::optional<RegexMatch>> Regex::MatchAt(std::string_view subject, size_t start) const {
  return Run(subject, start, PCRE2_ANCHORED);
}

Expected<std::optional<RegexMatch>> Regex::FullMatch(std::string_view subject) const {
  return Run(subject, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED);
}

// Python's iteration (3.7+): after an empty match the next one may not be
// empty at the same place, but may be empty right after a non-empty one.
Expected<std::vector<RegexMatch>> Regex::FindAll(std::string_view subject, size_t max) const {
  std::vector<RegexMatch> out;
  size_t pos = 0;
  bool after_empty = false;
  while (pos <= subject.size() && (max == 0 || out.size() < max)) {
    auto m = after_empty ? Run(subject, pos, PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED)
                         : Run(subject, pos, 0);
    if (!m) return std::unexpected(m.error());
    if (!*m) {
      if (!after_empty) break;
      after_empty = false;
      if (pos >= subject.size()) break;
      ++pos;
      // Step over a whole UTF-8 character, never into the middle of one.
      while (pos < subject.size() && (static_cast<unsigned char>(subject[pos]) & 0xC0) == 0x80) ++pos;
      continue;
    }
    pos = (*m)->End();
    after_empty = (*m)->Start() == (*m)->End();
    out.push_back(std::move(**m));
  }
  return out;
}

Expected<std::string> Regex::Replace(std::string_view subject, std::string_view templ,
                                     size_t count) const {
  auto matches = FindAll(subject, count);
  if (!matches) return std::unexpected(matches.error());
  std::string out;
  size_t last = 0;
  for (const auto& m : *matches) {
    out.append(subject.substr(last, m.Start() - last));
    auto expanded = ExpandMatch(m, templ);
    if (!expanded) return expanded;
    out += *expanded;
    last = m.End();
  }
  out.append(subject.substr(last));
  return out;
}

bool Regex::Matches(std::string_view subject) const {
  auto m = FullMatch(subject);
  return m && m->has_value();
}

bool Regex::Contains(std::string_view subject) const {
  auto m = Search(subject);
  return m && m->has_value();
}

namespace {

// The group a `\g<...>` names: a number or a group name.
Expected<size_t> NamedGroup(const RegexMatch& match, std::string_view name) {
  if (!name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    size_t n = std::stoul(std::string(name));
    if (n > match.GroupCount()) return Fail(fmt::format("invalid group reference {}", n));
    return n;
  }
  auto n = match.GroupNumber(name);
  if (!n) return Fail(fmt::format("unknown group name '{}'", name));
  return *n;
}

std::optional<char> SimpleEscape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    case 'a': return '\a';
    case 'b': return '\b';
    case '\\': return '\\';
    default: return std::nullopt;
  }
}

}  // namespace

Expected<std::string> ExpandMatch(const RegexMatch& match, std::string_view templ) {
  std::string out;
  for (size_t i = 0; i < templ.size(); ++i) {
    char c = templ[i];
    if (c != '\\' || i + 1 >= templ.size()) {
      out += c;
      continue;
    }
    char next = templ[i + 1];
    if (std::isdigit(static_cast<unsigned char>(next))) {
      size_t j = i + 1;
      size_t group = 0;
      while (j < templ.size() && j < i + 3 && std::isdigit(static_cast<unsigned char>(templ[j]))) {
        group = group * 10 + static_cast<size_t>(templ[j++] - '0');
      }
      if (group > match.GroupCount()) return Fail(fmt::format("invalid group reference {}", group));
      out += match.GroupOrEmpty(group);
      i = j - 1;
    } else if (next == 'g' && i + 2 < templ.size() && templ[i + 2] == '<') {
      size_t close = templ.find('>', i);
      if (close == std::string_view::npos) return Fail("missing >, unterminated name");
      auto group = NamedGroup(match, templ.substr(i + 3, close - i - 3));
      if (!group) return std::unexpected(group.error());
      out += match.GroupOrEmpty(*group);
      i = close;
    } else if (auto e = SimpleEscape(next)) {
      out += *e;
      ++i;
    } else if (std::isalpha(static_cast<unsigned char>(next))) {
      return Fail(fmt::format("bad escape \\{}", next));
    } else {
      out += c;
    }
  }
  return out;
}

std::string RegexEscape(std::string_view text) {
  static constexpr std::string_view kSpecial = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (kSpecial.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace tend
