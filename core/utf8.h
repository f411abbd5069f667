#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tend {

/// Appends the UTF-8 encoding of code point `cp` (as Python's str.encode does,
/// surrogates included, so a "\udc80" escape round-trips as bytes).
void AppendUtf8(std::string& out, uint32_t cp);

/// Decodes the code point that starts at `text[at]` and moves `at` past it. A byte
/// that does not start a well-formed sequence decodes alone as U+DC80..U+DCFF,
/// the lone surrogate Python's "surrogateescape" gives it.
uint32_t NextCodePoint(std::string_view text, size_t& at);

/// Whether `cp` is whitespace to Python's str.isspace() and its `\s` regex class
/// (which Jinja2's lexer uses between tokens): ASCII blanks, U+001C..U+001F,
/// U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
bool IsPythonSpace(uint32_t cp);

/// The byte length of the Python whitespace character at `text[at]`, or 0.
size_t PythonSpaceLength(std::string_view text, size_t at);

/// The offset of the first byte that is not part of well-formed UTF-8, if any.
std::optional<size_t> FindInvalidUtf8(std::string_view text);

}  // namespace tend
