#pragma once

// Python `re` semantics on PCRE2, the one regular-expression engine of tend
// (filters, tests, inventory patterns, the line-editing modules). PCRE2's
// interpreter keeps its backtracking state on the heap, and every match runs
// under a step limit and a heap limit, so a hostile pattern or a 100 KB
// subject gives an error instead of the stack overflow std::regex had
// (issue 21).

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace tend {

struct RegexFlags {
  bool ignorecase = false;  ///< re.I
  bool multiline = false;   ///< re.M: ^ and $ at every line
  bool dotall = false;      ///< re.S: . matches a newline too
};

class Regex;

/// One match: byte offsets into the subject it was found in, which must
/// outlive it.
class RegexMatch {
 public:
  /// Capture groups in the pattern, not counting group 0.
  size_t GroupCount() const { return offsets_.size() / 2 - 1; }
  /// The text of group `i` (0 = the whole match); nullopt when the group did
  /// not take part in the match (Python's None) or does not exist.
  std::optional<std::string_view> Group(size_t i) const;
  /// Group(i), or "" when it did not take part (what re.sub and findall use).
  std::string_view GroupOrEmpty(size_t i) const { return Group(i).value_or(""); }
  /// The number of the group named `name`, if the pattern has one.
  std::optional<size_t> GroupNumber(std::string_view name) const;
  /// Every named group with its number, in pattern order (Python's groupdict).
  std::vector<std::pair<std::string, size_t>> GroupNames() const;
  size_t Start() const { return offsets_[0]; }
  size_t End() const { return offsets_[1]; }

 private:
  friend class Regex;
  std::string_view subject_;
  std::vector<size_t> offsets_;  // start, end per group; kUnset when unmatched
  std::shared_ptr<const void> code_;
};

class Regex {
 public:
  /// Compiles a pattern written for Python's `re`. `\Z`, `\uXXXX` and
  /// `\UXXXXXXXX` are translated; `(?P<name>...)` and `(?P=name)` are native.
  static Expected<Regex> Compile(std::string_view pattern, RegexFlags flags = {});
  /// For the program's own fixed patterns: a bad one is a programming error
  /// and aborts with the pattern named.
  static Regex Fixed(std::string_view pattern, RegexFlags flags = {});

  /// re.search from byte offset `start`; an error when the match exceeds the
  /// step or memory limit.
  Expected<std::optional<RegexMatch>> Search(std::string_view subject, size_t start = 0) const;
  /// re.match: a match that starts at `start`.
  Expected<std::optional<RegexMatch>> MatchAt(std::string_view subject, size_t start = 0) const;
  /// re.fullmatch.
  Expected<std::optional<RegexMatch>> FullMatch(std::string_view subject) const;
  /// re.finditer as a list; at most `max` matches when max > 0.
  Expected<std::vector<RegexMatch>> FindAll(std::string_view subject, size_t max = 0) const;
  /// re.sub: `templ` uses Python's syntax (\1, \g<1>, \g<name>, \n);
  /// at most `count` replacements when count > 0.
  Expected<std::string> Replace(std::string_view subject, std::string_view templ,
                                size_t count = 0) const;

  /// For fixed patterns on input: true when the whole of `subject` matches;
  /// a match over the limits counts as no match.
  bool Matches(std::string_view subject) const;
  /// For fixed patterns: true when `subject` contains a match (same caveat).
  bool Contains(std::string_view subject) const;

  const std::string& pattern() const { return pattern_; }

 private:
  Expected<std::optional<RegexMatch>> Run(std::string_view subject, size_t start,
                                          unsigned options) const;
  std::string pattern_;
  std::shared_ptr<const void> code_;
};

/// Python's Match.expand(): \1, \g<1>, \g<name> and the escapes \n \t \\ in
/// `templ`; a group that did not take part expands to "".
Expected<std::string> ExpandMatch(const RegexMatch& match, std::string_view templ);

/// re.escape: every character that is not ASCII alphanumeric or `_` escaped.
std::string RegexEscape(std::string_view text);

}  // namespace tend
