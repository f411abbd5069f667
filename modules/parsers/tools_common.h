#pragma once

// What unarchive, git, mount and debconf share: finding a program the way
// Ansible's get_bin_path does, running it with a parsable (C) locale, and
// showing a command line in results (header-only).

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"
#include "modules/host/host.h"
#include "modules/framework/text.h"

namespace tend::tools {

/// `name` searched in $PATH plus the sbin directories get_bin_path adds; a
/// name with a slash is taken as is when it exists.
inline std::optional<std::string> FindProgram(Host& host, const std::string& name) {
  auto executable = [&](const std::string& path) {
    auto info = host.Stat(path);
    return info && info->kind == FileKind::kFile && (info->mode & 0111) != 0;
  };
  if (name.find('/') != std::string::npos) {
    return executable(name) ? std::optional<std::string>(name) : std::nullopt;
  }
  std::string path = host.GetEnv("PATH").value_or("/usr/bin:/bin");
  for (const char* extra : {"/sbin", "/usr/sbin", "/usr/local/sbin"}) {
    path += std::string(":") + extra;
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    if (!dir.empty() && executable(JoinPath(dir, name))) return JoinPath(dir, name);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

/// get_bin_path(name, required=True): the program or Ansible's failure text.
inline Expected<std::string> RequireProgram(Host& host, const std::string& name) {
  if (auto found = FindProgram(host, name)) return *found;
  return Fail(fmt::format("Failed to find required executable \"{}\" in paths: {}", name,
                          host.GetEnv("PATH").value_or("") + ":/sbin:/usr/sbin:/usr/local/sbin"));
}

/// A process in the C locale: modules read the output of these tools, and a
/// translated message would not match what they look for.
inline ProcessSpec CLocale(std::vector<std::string> argv, std::string cwd = "") {
  return ProcessSpec{
      .argv = std::move(argv),
      .stdin_data = {},
      .cwd = std::move(cwd),
      .env = {{"LANG", "C"}, {"LC_ALL", "C"}, {"LC_MESSAGES", "C"}, {"LANGUAGE", "C"}}};
}

/// argv as a shell would read it back (for `cmd` fields and messages).
inline std::string CommandLine(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + ShellQuote(a);
  return out;
}

/// A JSON array of strings.
inline Json StringArray(const std::vector<std::string>& items) {
  Json out = Json::array();
  for (const auto& i : items) out.push_back(i);
  return out;
}

/// Lines of `text` without their line ends; no trailing empty line.
inline std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.emplace_back(line);
    start = end + 1;
  }
  return out;
}

/// Whitespace-separated fields, at most `max_fields` (the last keeps the
/// rest of the line, as Python's str.split(None, max_fields - 1)).
inline std::vector<std::string> SplitFields(std::string_view line, size_t max_fields = 0) {
  std::vector<std::string> out;
  size_t i = 0;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (i < line.size()) {
    while (i < line.size() && space(line[i])) ++i;
    if (i >= line.size()) break;
    if (max_fields != 0 && out.size() + 1 == max_fields) {
      size_t end = line.size();
      while (end > i && space(line[end - 1])) --end;
      out.emplace_back(line.substr(i, end - i));
      break;
    }
    size_t start = i;
    while (i < line.size() && !space(line[i])) ++i;
    out.emplace_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace tend::tools
