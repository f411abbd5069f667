#include "core/frame.h"

#include <fmt/format.h>

namespace tend {
namespace {

bool KnownType(char c) { return c == 'J' || c == 'D' || c == 'E'; }

// Shows what arrived instead of a frame, so "garbage before hello" errors say
// what the garbage was (often a shell banner or an error from the login shell).
std::string Printable(std::string_view bytes) {
  std::string out;
  for (char c : bytes.substr(0, 60)) {
    if (c == '\n') out += "\\n";
    else if (c >= 32 && c < 127) out += c;
    else out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
  }
  return out;
}

}  // namespace

std::string EncodeFrame(FrameType type, std::string_view payload) {
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  uint32_t n = static_cast<uint32_t>(payload.size());
  out += 'T';
  out += 'N';
  out += static_cast<char>(type);
  out += static_cast<char>(n >> 24);
  out += static_cast<char>(n >> 16);
  out += static_cast<char>(n >> 8);
  out += static_cast<char>(n);
  out.append(payload);
  return out;
}

Expected<std::optional<Frame>> FrameReader::Next() {
  if (error_) return std::unexpected(*error_);
  std::string_view rest = std::string_view(buffer_).substr(offset_);
  size_t magic_len = std::min<size_t>(rest.size(), 2);
  if (rest.substr(0, magic_len) != std::string_view("TN").substr(0, magic_len) ||
      (rest.size() >= 3 && !KnownType(rest[2]))) {
    error_ = Error{fmt::format("protocol error: expected a frame, got \"{}\"", Printable(rest)),
                   {}, {}};
    return std::unexpected(*error_);
  }
  if (rest.size() < kFrameHeaderSize) return std::nullopt;
  auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(rest[i])); };
  uint32_t n = byte(3) << 24 | byte(4) << 16 | byte(5) << 8 | byte(6);
  if (n > max_payload_) {
    error_ = Error{fmt::format("protocol error: frame of {} bytes exceeds the limit of {}", n,
                               max_payload_), {}, {}};
    return std::unexpected(*error_);
  }
  if (rest.size() < kFrameHeaderSize + n) return std::nullopt;
  Frame frame{static_cast<FrameType>(rest[2]), std::string(rest.substr(kFrameHeaderSize, n))};
  offset_ += kFrameHeaderSize + n;
  // Compact once the consumed prefix dominates, to keep memory bounded.
  if (offset_ > (1u << 20) && offset_ * 2 > buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return frame;
}

}  // namespace tend
