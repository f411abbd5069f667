#include "core/utf8.h"

namespace tend {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

uint32_t NextCodePoint(std::string_view text, size_t& at) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char lead = byte(at);
  size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (len == 1) return text[at++] & 0x7F;
  bool ok = len != 0 && at + len <= text.size();
  uint32_t cp = lead & (0x7F >> len);
  for (size_t k = 1; ok && k < len; ++k) {
    ok = (byte(at + k) & 0xC0) == 0x80;
    cp = (cp << 6) | (byte(at + k) & 0x3F);
  }
  // Overlong forms and values past U+10FFFF are not UTF-8 either.
  static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
  if (!ok || cp < kMinimum[len] || cp > 0x10FFFF) {
    ++at;
    return 0xDC00 + lead;
  }
  at += len;
  return cp;
}

bool IsPythonSpace(uint32_t cp) {
  if (cp <= 0x20) return cp == ' ' || (cp >= 0x09 && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1f);
  switch (cp) {
    case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000:
      return true;
    default: return cp >= 0x2000 && cp <= 0x200a;
  }
}

size_t PythonSpaceLength(std::string_view text, size_t at) {
  if (at >= text.size()) return 0;
  size_t next = at;
  uint32_t cp = NextCodePoint(text, next);
  return IsPythonSpace(cp) ? next - at : 0;
}

std::optional<size_t> FindInvalidUtf8(std::string_view text) {
  for (size_t at = 0; at < text.size();) {
    size_t start = at;
    uint32_t cp = NextCodePoint(text, at);
    if (cp >= 0xDC80 && cp <= 0xDCFF) return start;  // surrogateescape of a stray byte
  }
  return std::nullopt;
}

}  // namespace tend
