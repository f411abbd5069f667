#pragma once

// Small text helpers shared by modules (pure functions, tested in text_test.cc).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// POSIX shell-like splitting as Python's shlex.split: quotes, backslashes.
Expected<std::vector<std::string>> ShlexSplit(std::string_view text);

/// Quotes an argument for a POSIX shell when it needs it (shlex.quote).
std::string ShellQuote(std::string_view arg);

/// Python's str.splitlines() (without keepends) as a JSON array of strings.
Json SplitLines(std::string_view text);

/// Removes trailing "\r" and "\n" characters.
std::string_view StripTrailingNewlines(std::string_view text);

/// Local time as Python's str(datetime.now()): "2024-05-01 12:00:00.123456".
std::string FormatTimestamp(int64_t micros);
/// A duration as Python's str(timedelta): "0:00:01.234567".
std::string FormatDelta(int64_t micros);

/// The directory part of a path ("/" for "/x", "." for "x").
std::string DirName(std::string_view path);
std::string BaseName(std::string_view path);
/// Joins with exactly one slash.
std::string JoinPath(std::string_view dir, std::string_view name);

/// A unified diff-friendly before/after pair as Ansible returns it.
Json MakeDiff(std::string_view before_header, std::string_view before,
              std::string_view after_header, std::string_view after);

}  // namespace tend
