#include "controller/config/ini.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "core/strings.h"

namespace tend {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// configparser's inline comments: a `;` that follows whitespace (Ansible
// configures `;` only; `#` after a value is part of it).
std::string_view WithoutInlineComment(std::string_view line) {
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == ';' && std::isspace(static_cast<unsigned char>(line[i - 1]))) {
      return line.substr(0, i);
    }
  }
  return line;
}

bool IsFullLineComment(std::string_view line) {
  std::string_view s = Trim(line);
  return s.starts_with('#') || s.starts_with(';');
}

class IniParser {
 public:
  explicit IniParser(const std::string& path) { file_.path = path; }

  Expected<void> Line(std::string_view raw, int number) {
    if (IsFullLineComment(raw)) return {};
    std::string_view value = Trim(WithoutInlineComment(raw));
    size_t indent = raw.find_first_not_of(" \t");
    if (value.empty()) {
      // configparser keeps blank lines inside a value that continues below.
      if (entry_) pending_blanks_++;
      return {};
    }
    if (entry_ && indent > entry_indent_) {
      for (; pending_blanks_ > 0; --pending_blanks_) entry_->value += "\n";
      entry_->value += "\n" + std::string(value);
      return {};
    }
    pending_blanks_ = 0;
    entry_ = nullptr;
    if (value.starts_with('[') && value.ends_with(']') && value.size() > 2) {
      return Section(std::string(value.substr(1, value.size() - 2)), number);
    }
    return Option(value, indent, number);
  }

  IniFile Take() { return std::move(file_); }

 private:
  Location At(int line) const { return Location{file_.path, line, 0}; }

  Expected<void> Section(std::string name, int number) {
    for (const auto& s : file_.sections) {
      if (s.name == name) {
        return Fail(fmt::format("section '{}' already exists (line {})", name, s.line),
                    At(number));
      }
    }
    file_.sections.push_back(IniSection{std::move(name), number, {}});
    return {};
  }

  Expected<void> Option(std::string_view text, size_t indent, int number) {
    if (file_.sections.empty()) {
      return Fail(fmt::format("a setting before any [section] header: '{}'", text), At(number));
    }
    size_t delim = text.find_first_of("=:");
    if (delim == std::string_view::npos) {
      return Fail(fmt::format("expected 'key = value', got '{}'", text), At(number));
    }
    std::string key = Lower(std::string(Trim(text.substr(0, delim))));
    if (key.empty()) {
      return Fail(fmt::format("a setting with no name: '{}'", text), At(number));
    }
    IniSection& section = file_.sections.back();
    for (const auto& e : section.entries) {
      if (e.key == key) {
        return Fail(fmt::format("'{}' is already set in [{}] (line {})", key, section.name, e.line),
                    At(number));
      }
    }
    section.entries.push_back(IniEntry{key, std::string(Trim(text.substr(delim + 1))), number});
    entry_ = &section.entries.back();
    entry_indent_ = indent;
    return {};
  }

  IniFile file_;
  IniEntry* entry_ = nullptr;
  size_t entry_indent_ = 0;
  int pending_blanks_ = 0;
};

}  // namespace

const IniEntry* IniFile::Find(std::string_view section, std::string_view key) const {
  for (const auto& s : sections) {
    if (s.name != section) continue;
    for (const auto& e : s.entries) {
      if (e.key == key) return &e;
    }
  }
  return nullptr;
}

Expected<IniFile> ParseIni(std::string_view text, const std::string& path) {
  IniParser parser(path);
  int number = 0;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? end : end - at);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (auto ok = parser.Line(line, ++number); !ok) return std::unexpected(ok.error());
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return parser.Take();
}

}  // namespace tend
