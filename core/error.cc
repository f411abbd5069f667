#include "core/error.h"

#include <fmt/format.h>

namespace tend {

std::string Location::ToString() const {
  if (line <= 0) return file;
  if (column <= 0) return fmt::format("{}:{}", file, line);
  return fmt::format("{}:{}:{}", file, line, column);
}

std::string Error::ToString() const {
  std::string out = where.Known() ? where.ToString() + ": " + message : message;
  if (!detail.empty()) {
    out += '\n';
    out += detail;
  }
  return out;
}

std::string CaretSnippet(std::string_view text, int line, int column) {
  size_t begin = 0;
  for (int i = 1; i < line; ++i) {
    size_t nl = text.find('\n', begin);
    if (nl == std::string_view::npos) return {};
    begin = nl + 1;
  }
  size_t end = text.find('\n', begin);
  std::string_view source = text.substr(begin, end == std::string_view::npos ? end : end - begin);
  std::string caret(column > 1 ? column - 1 : 0, ' ');
  return fmt::format("    {}\n    {}^", source, caret);
}

}  // namespace tend
