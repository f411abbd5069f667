#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace tend {

/// Frames on the agent channel: "TN", a type byte, a 4-byte big-endian length,
/// then the payload. The magic lets the reader tell a shell's banner or a
/// crashed agent's text from a frame instead of misreading it as a length.
enum class FrameType : char {
  kJson = 'J',  // one protocol message
  kData = 'D',  // a chunk of file content following a message that announced it
  kEnd = 'E',   // end of a data stream
};

struct Frame {
  FrameType type = FrameType::kJson;
  std::string payload;
};

inline constexpr size_t kFrameHeaderSize = 7;
inline constexpr size_t kMaxFramePayload = 64u << 20;
inline constexpr size_t kDataChunkSize = 256u << 10;

std::string EncodeFrame(FrameType type, std::string_view payload);

/// Incremental decoder: Feed() bytes as they arrive, then call Next() until it
/// yields nothing. Errors are sticky: a corrupt stream is never resynchronised.
class FrameReader {
 public:
  explicit FrameReader(size_t max_payload = kMaxFramePayload) : max_payload_(max_payload) {}

  void Feed(std::string_view bytes) { buffer_.append(bytes); }
  /// A complete frame, nothing (need more bytes), or an error.
  Expected<std::optional<Frame>> Next();
  /// Bytes received but not yet part of a complete frame.
  size_t Pending() const { return buffer_.size() - offset_; }

 private:
  std::string buffer_;
  size_t offset_ = 0;
  size_t max_payload_;
  std::optional<Error> error_;
};

}  // namespace tend
