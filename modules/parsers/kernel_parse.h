#pragma once

// Pure line parsers and edits of the kernel and locale modules (locale_gen,
// modprobe, kernel_blacklist, service_facts), tested table-driven in
// kernel_test.cc. Header-only: the four modules are the only users. Each one
// reads a line the way the Ansible module's regular expression does, written
// out by hand so the corner cases are visible.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/strings.h"

namespace tend::kernel {

/// Python's `\s`, for the ASCII text these files hold.
inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// Python's `\w` over ASCII.
inline bool IsWord(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

inline std::string_view Strip(std::string_view s) { return Trim(s); }

inline std::string_view StripRight(std::string_view s) { return TrimRight(s); }

inline size_t SkipSpaces(std::string_view s, size_t at) {
  while (at < s.size() && IsSpace(s[at])) ++at;
  return at;
}

/// Python's str.split(): runs of whitespace separate, none at the ends.
inline std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> words;
  size_t at = SkipSpaces(s, 0);
  while (at < s.size()) {
    size_t end = at;
    while (end < s.size() && !IsSpace(s[end])) ++end;
    words.emplace_back(s.substr(at, end - at));
    at = SkipSpaces(s, end);
  }
  return words;
}

/// Lines with their "\n" kept (Python's readlines), so an edit that touches
/// one line leaves every other byte of the file as it was.
inline std::vector<std::string> LinesWithEnds(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    size_t next = end == std::string_view::npos ? text.size() : end + 1;
    lines.emplace_back(text.substr(start, next - start));
    start = next;
  }
  return lines;
}

inline std::string JoinLines(const std::vector<std::string>& lines) { return Join(lines, ""); }

/// A line split into its text and its "\n" (empty on a last line without one).
inline std::pair<std::string_view, std::string_view> SplitEnd(std::string_view line) {
  if (line.ends_with('\n')) return {line.substr(0, line.size() - 1), line.substr(line.size() - 1)};
  return {line, {}};
}

// ---- locale_gen ----

/// `locale -a` prints encodings its own way ("en_US.utf8"); Ansible maps them
/// back to the names users write ("en_US.UTF-8") before comparing.
inline std::string NormaliseLocale(std::string name) {
  static const std::pair<std::string_view, std::string_view> kSpellings[] = {
      {".utf8", ".UTF-8"},    {".eucjp", ".EUC-JP"}, {".iso885915", ".ISO-8859-15"},
      {".cp1251", ".CP1251"}, {".koi8r", ".KOI8-R"}, {".armscii8", ".ARMSCII-8"},
      {".euckr", ".EUC-KR"},  {".gbk", ".GBK"},      {".gb18030", ".GB18030"},
      {".euctw", ".EUC-TW"}};
  for (const auto& [from, to] : kSpellings) {
    for (size_t at = name.find(from); at != std::string::npos;
         at = name.find(from, at + to.size())) {
      name.replace(at, from.size(), to);
    }
  }
  return name;
}

/// The locale a line of /usr/share/i18n/SUPPORTED (or locale.gen) offers:
/// "[#] <locale> <charset>", one space between, as Ansible's
/// `^\s*#?\s*(\S+[\._\S]+) (\S+)\s*$` reads it.
inline std::optional<std::string> AvailableLocale(std::string_view line) {
  size_t at = SkipSpaces(line, 0);
  if (at < line.size() && line[at] == '#') at = SkipSpaces(line, at + 1);
  size_t end = at;
  while (end < line.size() && !IsSpace(line[end])) ++end;
  if (end - at < 2 || end >= line.size() || line[end] != ' ') return std::nullopt;
  size_t charset = end + 1;
  size_t charset_end = charset;
  while (charset_end < line.size() && !IsSpace(line[charset_end])) ++charset_end;
  if (charset_end == charset || SkipSpaces(line, charset_end) != line.size()) return std::nullopt;
  return std::string(line.substr(at, end - at));
}

/// One line of /etc/locale.gen with `name` enabled ("name charset") or
/// disabled ("# name charset"); other lines come back unchanged. Ansible's
/// `^#?\s*<name> (.+)` decides what is the locale's line.
inline std::string SetLocaleLine(std::string_view line, std::string_view name, bool enable) {
  auto [text, end] = SplitEnd(line);
  size_t at = !text.empty() && text[0] == '#' ? 1 : 0;
  while (at < text.size() && IsSpace(text[at])) ++at;
  std::string_view rest = text.substr(at);
  if (!rest.starts_with(name) || rest.size() < name.size() + 2 || rest[name.size()] != ' ') {
    return std::string(line);
  }
  std::string out = enable ? "" : "# ";
  out.append(rest);
  out.append(end);
  return out;
}

/// Whether a locale.gen line names `name` at all (enabled or not).
inline bool HasLocaleLine(std::string_view content, std::string_view name) {
  for (const auto& line : LinesWithEnds(content)) {
    if (SetLocaleLine(line, name, true) != line || SetLocaleLine(line, name, false) != line) {
      return true;
    }
  }
  return false;
}

// ---- modprobe ----

/// A modules-load.d line that loads `name`: optional spaces, the name,
/// optional spaces and an optional # or ; comment (Ansible's
/// `^ *<name> *(?:[#;].*)?\n?\Z`).
inline bool LoadsModule(std::string_view line, std::string_view name) {
  std::string_view text = SplitEnd(line).first;
  size_t at = text.find_first_not_of(' ');
  if (at == std::string_view::npos || !text.substr(at).starts_with(name)) return false;
  at = text.find_first_not_of(' ', at + name.size());
  return at == std::string_view::npos || text[at] == '#' || text[at] == ';';
}

/// The "key=value" of a modprobe.d line "options <name> key=value" (one
/// parameter per line, as Ansible writes and reads them).
inline std::optional<std::string> ModuleOption(std::string_view line, std::string_view name) {
  std::string_view text = SplitEnd(line).first;
  std::string prefix = "options " + std::string(name) + " ";
  if (!text.starts_with(prefix)) return std::nullopt;
  size_t key = prefix.size();
  size_t at = key;
  while (at < text.size() && IsWord(text[at])) ++at;
  if (at == key || at >= text.size() || text[at] != '=') return std::nullopt;
  size_t value = at + 1;
  at = value;
  while (at < text.size() && !IsSpace(text[at])) ++at;
  if (at == value) return std::nullopt;
  std::string_view param = text.substr(key, at - key);
  at = text.find_first_not_of(' ', at);
  if (at != std::string_view::npos && text[at] != '#' && text[at] != ';') return std::nullopt;
  return std::string(param);
}

// ---- kernel_blacklist ----

/// A stripped, uncommented line "blacklist <name>" (Ansible's
/// `^blacklist\s+<name>$`).
inline bool BlacklistsModule(std::string_view line, std::string_view name) {
  std::string_view text = Strip(line);
  if (!text.starts_with("blacklist")) return false;
  size_t at = SkipSpaces(text, 9);
  return at > 9 && text.substr(at) == name;
}

// ---- service_facts ----

/// `systemctl list-units --type=service --all --plain --no-legend` as
/// Ansible's systemd strategy reads it: UNIT LOAD ACTIVE SUB DESCRIPTION;
/// state "running" when SUB is, else "stopped"; status the ACTIVE column
/// unless LOAD/ACTIVE/SUB hold a bad state (not-found, masked, failed).
inline Json ParseListUnits(std::string_view output) {
  Json services = Json::object();
  for (const auto& line : LinesWithEnds(output)) {
    if (line.find(".service") == std::string::npos) continue;
    auto fields = Words(line);
    if (fields.size() < 4) continue;
    std::string status = fields[2];
    for (const char* bad : {"not-found", "masked", "failed"}) {
      if (fields[1] == bad || fields[2] == bad || fields[3] == bad) {
        status = bad;
        break;
      }
    }
    services[fields[0]] = {{"name", fields[0]},
                           {"state", fields[3] == "running" ? "running" : "stopped"},
                           {"status", status},
                           {"source", "systemd"}};
  }
  return services;
}

inline bool BadUnitStatus(std::string_view status) {
  return status == "not-found" || status == "masked" || status == "failed";
}

/// `systemctl list-unit-files --type=service` rows: (unit, state), in order.
/// A row with fewer than two fields is malformed; it comes back with an
/// empty state so the caller can name it.
inline std::vector<std::pair<std::string, std::string>> ParseListUnitFiles(
    std::string_view output) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const auto& line : LinesWithEnds(output)) {
    if (line.find(".service") == std::string::npos) continue;
    auto fields = Words(line);
    if (fields.empty()) continue;
    rows.emplace_back(fields[0], fields.size() > 1 ? fields[1] : "");
  }
  return rows;
}

/// `service --status-all` lines " [ + ]  name" / " [ - ]  name"; the ones
/// with "?" (no status action) are left out, as Ansible does.
inline Json ParseStatusAll(std::string_view output) {
  Json services = Json::object();
  for (const auto& raw : LinesWithEnds(output)) {
    std::string_view line = SplitEnd(raw).first;
    size_t at = SkipSpaces(line, 0);
    std::string_view rest = line.substr(at);
    if (rest.size() < 6 || !rest.starts_with("[ ") || rest.substr(3, 2) != " ]") continue;
    char mark = rest[2];
    if (mark != '+' && mark != '-') continue;
    size_t name_at = SkipSpaces(rest, 5);
    if (name_at == 5 || name_at >= rest.size()) continue;
    std::string name(rest.substr(name_at));
    services[name] = {
        {"name", name}, {"state", mark == '+' ? "running" : "stopped"}, {"source", "sysv"}};
  }
  return services;
}

/// `systemctl show --property=ActiveState u1 u2 ...`: one "ActiveState=x"
/// block per unit, blank lines between, in the order asked. nullopt when the
/// number of blocks does not match (a unit that systemctl refused).
inline std::optional<std::vector<std::string>> ParseActiveStates(std::string_view output,
                                                                 size_t expected) {
  std::vector<std::string> states;
  for (const auto& raw : LinesWithEnds(output)) {
    std::string_view line = StripRight(raw);
    if (line.starts_with("ActiveState=")) states.emplace_back(line.substr(12));
  }
  if (states.size() != expected) return std::nullopt;
  return states;
}

}  // namespace tend::kernel
