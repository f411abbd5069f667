#include "modules/framework/regex.h"

#include <fmt/format.h>

namespace tend {

Expected<std::regex> CompilePythonRegex(std::string_view pattern, std::string_view argument) {
  std::string translated;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern.substr(i).starts_with("(?P<")) {
      size_t close = pattern.find('>', i);
      if (close != std::string_view::npos) {
        translated += '(';
        i = close;
        continue;
      }
    }
    if (pattern[i] == '\\' && i + 1 < pattern.size() &&
        (pattern[i + 1] == 'A' || pattern[i + 1] == 'Z')) {
      translated += pattern[i + 1] == 'A' ? '^' : '$';
      ++i;
      continue;
    }
    translated += pattern[i];
  }
  try {
    return std::regex(translated, std::regex::ECMAScript | std::regex::multiline);
  } catch (const std::regex_error& e) {
    return Fail(
        fmt::format("{} is not a valid regular expression: {}: {}", argument, pattern, e.what()));
  }
}

std::string ExpandMatch(const std::smatch& match, std::string_view templ) {
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
      int group = 0;
      while (j < templ.size() && j < i + 3 && std::isdigit(static_cast<unsigned char>(templ[j]))) {
        group = group * 10 + (templ[j++] - '0');
      }
      if (group < static_cast<int>(match.size())) out += match[group].str();
      i = j - 1;
    } else if (next == 'g' && i + 2 < templ.size() && templ[i + 2] == '<') {
      size_t close = templ.find('>', i);
      int group = std::atoi(std::string(templ.substr(i + 3, close - i - 3)).c_str());
      if (group < static_cast<int>(match.size())) out += match[group].str();
      i = close;
    } else if (next == 'n') {
      out += '\n';
      ++i;
    } else if (next == 't') {
      out += '\t';
      ++i;
    } else if (next == '\\') {
      out += '\\';
      ++i;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace tend
