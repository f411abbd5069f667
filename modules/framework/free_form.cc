#include "modules/framework/free_form.h"

#include <fmt/format.h>

#include <algorithm>

#include "core/strings.h"
#include "modules/framework/registry.h"

namespace tend {
namespace {

// Ansible's shell-like options of command, shell, raw and script. They are
// arguments even when a module's spec lacks them (`warn` is gone from
// command), so the spec rejects them instead of running `ls warn=no`.
constexpr std::string_view kFreeFormOptions[] = {
    "creates", "removes",           "chdir",           "executable", "warn",
    "stdin",   "stdin_add_newline", "strip_empty_ends"};

constexpr std::string_view kBlanks = " \t\r\n";

// Splits into words as Ansible's split_args does, so a free-form command keeps
// its exact text: lines are cut at '\n' and then at each single space, and the
// pieces are put back together while a quote or a Jinja2 span is open. Runs
// of spaces and the indentation of lines are not lost: each extra space is
// added to the end of the word before it, and the joining of words with one
// space (ParseArgText) restores the rest.
class Splitter {
 public:
  explicit Splitter(std::string_view text) : text_(text) {}

  Expected<std::vector<std::string>> Run() {
    std::vector<std::string_view> lines = SplitOn(text_, '\n');
    for (size_t i = 0; i < lines.size(); ++i) {
      Line(lines[i]);
      // Every line break is kept at the end of the word before it, unless a
      // lone backslash joined the line with the next one.
      if (i + 1 < lines.size() && !continued_ && !words_.empty()) words_.back() += '\n';
    }
    if (quote_) return Fail(fmt::format("unbalanced quotes in arguments: {}", text_));
    if (Spanning()) return Fail(fmt::format("unbalanced Jinja2 block in arguments: {}", text_));
    return std::move(words_);
  }

 private:
  static std::vector<std::string_view> SplitOn(std::string_view text, char sep) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (size_t end; (end = text.find(sep, start)) != std::string_view::npos; start = end + 1) {
      parts.push_back(text.substr(start, end - start));
    }
    parts.push_back(text.substr(start));
    return parts;
  }

  bool Spanning() const { return print_ > 0 || block_ > 0 || comment_ > 0; }

  void Line(std::string_view line) {
    continued_ = false;
    std::vector<std::string_view> tokens = SplitOn(line, ' ');
    for (size_t i = 0; i < tokens.size(); ++i) Token(tokens[i], i, tokens.size());
  }

  void Token(std::string_view token, size_t index, size_t count) {
    if (token.empty() && index > 0) {
      // A second space in a row. Ansible fails on spaces that lead the whole
      // text (nothing to add them to); they are dropped here.
      if (!words_.empty()) words_.back() += ' ';
      return;
    }
    if (token == "\\" && quote_ == 0) {
      continued_ = true;
      return;
    }
    bool was_quoted = quote_ != 0;
    TrackQuotes(token);
    bool appended = false;
    if (quote_ != 0 && !was_quoted && !Spanning()) {
      words_.emplace_back(token);
      appended = true;
    } else if ((Spanning() || quote_ != 0 || was_quoted) && !words_.empty()) {
      // The token continues the open word: right after the line break that
      // is already at its end, after the space it was split at, or (a line
      // holding one token) after a line break.
      std::string_view glue = (index == 0 && was_quoted) ? ""
                              : count > 1                ? (index > 0 ? " " : "")
                                                         : "\n";
      words_.back().append(glue).append(token);
      appended = true;
    }
    for (auto [depth, open, close] :
         {std::tuple{&print_, "{{", "}}"}, std::tuple{&block_, "{%", "%}"},
          std::tuple{&comment_, "{#", "#}"}}) {
      int before = *depth;
      *depth = std::max(0, *depth + Count(token, open) - Count(token, close));
      if (*depth != before && !appended) {
        words_.emplace_back(token);
        appended = true;
      }
    }
    if (!Spanning() && quote_ == 0 && !appended && !token.empty()) words_.emplace_back(token);
  }

  // A quote not preceded by a backslash opens a quoted string or closes the
  // one it opened.
  void TrackQuotes(std::string_view token) {
    for (size_t i = 0; i < token.size(); ++i) {
      char c = token[i];
      if ((c != '"' && c != '\'') || (i > 0 && token[i - 1] == '\\')) continue;
      if (quote_ == 0)
        quote_ = c;
      else if (quote_ == c)
        quote_ = 0;
    }
  }

  static int Count(std::string_view token, std::string_view delimiter) {
    int n = 0;
    for (size_t at = token.find(delimiter); at != std::string_view::npos;
         at = token.find(delimiter, at + delimiter.size())) {
      ++n;
    }
    return n;
  }

  std::string_view text_;
  std::vector<std::string> words_;
  char quote_ = 0;
  int print_ = 0;
  int block_ = 0;
  int comment_ = 0;
  bool continued_ = false;
};

// Python's single-character string escapes, as Ansible decodes them in each
// k=v word before splitting it. Numeric and named escapes (\x41, \u00e9,
// \N{...}) are left as written.
std::string DecodeEscapes(std::string_view word) {
  static constexpr std::string_view kFrom = "\\'\"abfnrtv";
  static constexpr std::string_view kTo = "\\'\"\a\b\f\n\r\t\v";
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    size_t k = i + 1 < word.size() && word[i] == '\\' ? kFrom.find(word[i + 1]) : kFrom.npos;
    if (k == kFrom.npos) {
      out += word[i];
    } else {
      out += kTo[k];
      ++i;
    }
  }
  return out;
}

// Removes one pair of matching outer quotes unless the closing one is escaped.
std::string Unquote(std::string_view v) {
  bool quoted = v.size() > 1 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front() &&
                v[v.size() - 2] != '\\';
  return std::string(quoted ? v.substr(1, v.size() - 2) : v);
}

// The first `=` after the first character that is not escaped with `\`.
size_t KeyEnd(std::string_view word) {
  for (size_t i = 1; i < word.size(); ++i) {
    if (word[i] == '=' && word[i - 1] != '\\') return i;
  }
  return std::string_view::npos;
}

std::string UnescapeEquals(std::string_view word) {
  std::string out;
  for (size_t i = 0; i < word.size(); ++i) {
    if (word[i] == '\\' && i + 1 < word.size() && word[i + 1] == '=') continue;
    out += word[i];
  }
  return out;
}

bool IsFreeFormOption(const ArgTextRules& rules, std::string_view key) {
  if (std::find(std::begin(kFreeFormOptions), std::end(kFreeFormOptions), key) !=
      std::end(kFreeFormOptions)) {
    return true;
  }
  return rules.spec != nullptr && key != "_raw_params" && rules.spec->FindArg(key) != nullptr;
}

Json ArgValue(const ArgTextRules& rules, std::string_view raw) {
  std::string value = Unquote(raw);
  bool quoted = value.size() != raw.size();
  if (quoted || rules.plain_value == nullptr) return Json(value);
  return rules.plain_value(value);
}

// One word of parsed text: an argument, or a word of the free-form text.
struct Word {
  std::string key{};
  Json value{};
  std::string raw{};
};

Word ReadWord(const ArgTextRules& rules, const std::string& word) {
  std::string decoded = DecodeEscapes(word);
  if (decoded.find('=') == std::string::npos) return {.raw = word};
  size_t eq = KeyEnd(decoded);
  if (eq == std::string::npos) return {.raw = UnescapeEquals(decoded)};
  std::string key(Trim(std::string_view(decoded).substr(0, eq), kBlanks));
  if (rules.free_form && !IsFreeFormOption(rules, key)) return {.raw = word};
  return {.key = key,
          .value = ArgValue(rules, Trim(std::string_view(decoded).substr(eq + 1), kBlanks))};
}

}  // namespace

Expected<std::vector<std::string>> SplitArgs(std::string_view text) { return Splitter(text).Run(); }

Expected<Json> ParseArgText(std::string_view text, const ArgTextRules& rules) {
  auto words = SplitArgs(text);
  if (!words) return std::unexpected(words.error());
  Json args = Json::object();
  std::string raw;
  for (const auto& w : *words) {
    Word word = ReadWord(rules, w);
    if (!word.key.empty()) {
      args[word.key] = std::move(word.value);
      continue;
    }
    if (!rules.allow_raw && !rules.free_form) {
      return Fail(fmt::format("expected key=value arguments, got '{}'", w));
    }
    // Words are joined by one space, except after a line break they end with.
    if (!raw.empty() && raw.back() != '\n') raw += ' ';
    raw += word.raw;
  }
  if (!raw.empty()) args["_raw_params"] = raw;
  return args;
}

ArgTextRules ModuleArgTextRules(std::string_view module) {
  const ModuleSpec* spec = FindModuleSpec(module);
  return {.free_form = spec != nullptr && spec->free_form, .spec = spec};
}

Expected<Json> ParseFreeFormArgs(std::string_view module, std::string_view text) {
  return ParseArgText(text, ModuleArgTextRules(module));
}

}  // namespace tend
