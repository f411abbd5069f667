#include "modules/python/module_output.h"

#include <fmt/format.h>

namespace tend {
namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string_view TrimEnd(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::string Joined(const std::vector<std::string_view>& lines, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) {
    out += lines[i];
    out += '\n';
  }
  return out;
}

}  // namespace

std::string FilterNonJsonLines(std::string_view stdout_text, std::vector<std::string>& noise) {
  std::vector<std::string_view> lines = Lines(stdout_text);
  size_t start = lines.size();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].starts_with('{')) {
      start = i;
      break;
    }
  }
  if (start == lines.size()) return {};
  size_t last = lines.size();
  for (size_t i = lines.size(); i-- > start;) {
    if (TrimEnd(lines[i]).ends_with('}')) {
      last = i;
      break;
    }
  }
  if (last == lines.size()) return {};
  // Ansible drops leading noise silently and warns about trailing junk.
  if (last + 1 < lines.size()) {
    std::string junk = Joined(lines, last + 1, lines.size());
    if (junk.find_first_not_of(" \t\r\n") != std::string::npos) {
      noise.push_back(fmt::format("Module invocation had junk after the JSON data: {}", junk));
    }
  }
  return Joined(lines, start, last + 1);
}

Json ParseModuleOutput(int rc, std::string_view stdout_text, std::string_view stderr_text,
                       std::string_view interpreter) {
  std::vector<std::string> noise;
  std::string text = FilterNonJsonLines(stdout_text, noise);
  if (!text.empty()) {
    Json parsed = Json::parse(text, nullptr, false);
    if (parsed.is_object()) {
      if (!noise.empty()) {
        Json& warnings = parsed["warnings"];
        if (!warnings.is_array()) warnings = Json::array();
        for (auto& n : noise) warnings.push_back(n);
      }
      return parsed;
    }
  }
  Json failed = {{"failed", true},
                 {"module_stdout", std::string(stdout_text)},
                 {"module_stderr", std::string(stderr_text)}};
  if (stderr_text.starts_with("Traceback")) {
    failed["exception"] = std::string(stderr_text);
  } else if (stdout_text.starts_with("Traceback")) {
    failed["exception"] = std::string(stdout_text);
  }
  std::string msg = "MODULE FAILURE";
  std::string missing = fmt::format("{}: No such file or directory", interpreter);
  if (!interpreter.empty() && (stderr_text.find(missing) != std::string_view::npos ||
                               stdout_text.find(missing) != std::string_view::npos)) {
    msg = "The module failed to execute correctly, you probably need to set the interpreter.";
  }
  failed["msg"] = msg + "\nSee stdout/stderr for the exact error";
  failed["rc"] = rc;
  return failed;
}

}  // namespace tend
