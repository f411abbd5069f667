#include "modules/framework/free_form.h"

#include <fmt/format.h>

#include "core/strings.h"
#include "modules/framework/registry.h"
#include <algorithm>


namespace tend {
namespace {

// Ansible's shell-like options of command, shell, raw and script. They are
// arguments even when a module's spec lacks them (`warn` is gone from
// command), so the spec rejects them instead of running `ls warn=no`.
constexpr std::string_view kFreeFormOptions[] = {"creates", "removes",           "chdir",
                                                 "executable", "warn",          "stdin",
                                                 "stdin_add_newline", "strip_empty_ends"};

constexpr std::string_view kBlanks = " \t\r\n";

// Splits into words while tracking what stays open across words and lines:
// a quote and the depth of Jinja2 spans.
class Splitter {
 public:
  explicit Splitter(std::string_view text) : text_(Trim(text, kBlanks)) {}

  Expected<std::vector<std::string>> Run() {
    size_t start = 0;
    while (true) {
      size_t end = text_.find('\n', start);
      bool last = end == std::string_view::npos;
      Line(Trim(text_.substr(start, last ? end : end - start), kBlanks), last);
      if (last) break;
      start = end + 1;
    }
    if (quote_) return Fail(fmt::format("unbalanced quotes in arguments: {}", text_));
    if (depth_ > 0) return Fail(fmt::format("unbalanced Jinja2 block in arguments: {}", text_));
    EndWord();
    return std::move(words_);
  }

 private:
  bool Open() const { return quote_ != 0 || depth_ > 0; }

  void Line(std::string_view line, bool last) {
    continued_ = false;
    for (size_t i = 0; i < line.size(); ++i) {
      char c = line[i];
      if (!Open() && (c == ' ' || c == '\t')) {
        EndWord();
        continue;
      }
      current_ += c;
      i += Track(line, i);
    }
    if (last) return;
    if (Open()) {
      current_ += '\n';
      return;
    }
    EndWord();
    if (!continued_ && !words_.empty()) words_.back() += '\n';
  }

  // Updates the quote and Jinja2 state for line[i]; returns how many more
  // characters it consumed (the second character of a Jinja2 delimiter).
  size_t Track(std::string_view line, size_t i) {
    char c = line[i];
    char next = i + 1 < line.size() ? line[i + 1] : '\0';
    bool escaped = i > 0 && line[i - 1] == '\\';
    if ((c == '"' || c == '\'') && !escaped) {
      if (quote_ == 0)
        quote_ = c;
      else if (quote_ == c)
        quote_ = 0;
      return 0;
    }
    bool opens = c == '{' && (next == '{' || next == '%' || next == '#');
    bool closes = (c == '}' || c == '%' || c == '#') && next == '}' && depth_ > 0;
    if (!opens && !closes) return 0;
    depth_ += opens ? 1 : -1;
    current_ += next;
    return 1;
  }

  // A lone backslash outside quotes joins this line with the next one.
  void EndWord() {
    if (current_ == "\\") {
      continued_ = true;
    } else if (!current_.empty()) {
      words_.push_back(std::move(current_));
    }
    current_.clear();
  }

  std::string_view text_;
  std::vector<std::string> words_;
  std::string current_;
  char quote_ = 0;
  int depth_ = 0;
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
  bool quoted = v.size() > 1 && (v.front() == '"' || v.front() == '\'') &&
                v.back() == v.front() && v[v.size() - 2] != '\\';
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
  return {.key = key, .value = ArgValue(rules, Trim(std::string_view(decoded).substr(eq + 1), kBlanks))};
}

}  // namespace

Expected<std::vector<std::string>> SplitArgs(std::string_view text) {
  return Splitter(text).Run();
}

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
