#pragma once

#include <expected>
#include <string>
#include <utility>

namespace tend {

/// Where a problem is in a user's file; line and column are 1-based, 0 = unknown.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  bool Known() const { return !file.empty(); }
  /// "file:line:col", "file:line" or "file", as much as is known.
  std::string ToString() const;
};

/// An error that crosses a boundary. `detail` holds extra lines shown under the
/// message (a source line with a caret, the last lines of a log).
struct Error {
  std::string message;
  Location where;
  std::string detail;

  /// "file:line:col: message" plus the detail lines, as printed to users.
  std::string ToString() const;
};

template <class T>
using Expected = std::expected<T, Error>;

inline std::unexpected<Error> Fail(std::string message) {
  return std::unexpected(Error{std::move(message), {}, {}});
}
inline std::unexpected<Error> Fail(std::string message, Location where, std::string detail = {}) {
  return std::unexpected(Error{std::move(message), std::move(where), std::move(detail)});
}

/// The source line `line` (1-based) of `text` and a caret under `column`,
/// indented by four spaces, for located errors.
std::string CaretSnippet(std::string_view text, int line, int column);

}  // namespace tend
