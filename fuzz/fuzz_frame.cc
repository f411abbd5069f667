// The agent channel's frame decoder, fed the input in pieces whose sizes come
// from the input itself, as bytes arrive from a pipe or an SSH channel.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/frame.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  // A small payload limit so the size check is reached as often as framing.
  tend::FrameReader reader(data[0] % 2 ? 64 : tend::kMaxFramePayload);
  size_t step = data[1] % 16 + 1;
  std::string_view rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  size_t fed = 0;
  while (!rest.empty()) {
    size_t n = std::min(step, rest.size());
    reader.Feed(rest.substr(0, n));
    fed += n;
    rest.remove_prefix(n);
    for (;;) {
      auto frame = reader.Next();
      if (!frame) {
        (void)frame.error().ToString();
        return 0;
      }
      if (!*frame) break;
      // A frame round-trips through the encoder.
      auto again = tend::EncodeFrame((*frame)->type, (*frame)->payload);
      if (again.size() != tend::kFrameHeaderSize + (*frame)->payload.size()) std::abort();
    }
    if (reader.Pending() > fed) std::abort();
  }
  return 0;
}
