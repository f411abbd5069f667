// The protocol messages, as the controller meets them from an agent it does
// not trust: the first byte picks the mode.
//   even: the rest is one JSON message, checked as a hello, a request and a
//         need_content, and a parsed request must survive a round trip;
//   odd:  the rest is the agent's side of a session (frames): read the hello,
//         make one call that may ask for content, then receive a content stream.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "core/protocol.h"

namespace {

using namespace tend;

// Reads come from the fuzz input; writes are dropped.
class InputStream : public protocol::ByteStream {
 public:
  explicit InputStream(std::string_view input) : input_(input) {}
  Expected<size_t> Read(char* buffer, size_t size) override {
    size_t n = std::min({size, input_.size(), size_t{4096}});
    std::memcpy(buffer, input_.data(), n);
    input_.remove_prefix(n);
    return n;
  }
  Expected<void> Write(std::string_view) override { return {}; }

 private:
  std::string_view input_;
};

void CheckMessage(std::string_view text) {
  Json message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) return;
  (void)protocol::ParseHello(message);
  (void)protocol::IsNeedContent(message);
  auto request = protocol::ParseRequest(message);
  if (!request) return;
  auto again = protocol::ParseRequest(protocol::RequestToJson(*request));
  if (!again || again->id != request->id || again->op != request->op ||
      again->module != request->module || again->args != request->args) {
    std::abort();
  }
}

void PlaySession(std::string_view bytes) {
  InputStream stream(bytes);
  protocol::FrameChannel channel(stream, 1 << 16);
  if (!protocol::ReadHello(channel)) return;
  protocol::Request request;
  request.id = 1;
  request.module = "copy";
  auto reply = protocol::Call(channel, request, [](protocol::FrameChannel& c) {
    return protocol::SendContent(c, "content");
  });
  if (!reply) return;
  size_t received = 0;
  (void)protocol::ReceiveContent(channel, [&](std::string_view chunk) -> Expected<void> {
    received += chunk.size();
    return {};
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    PlaySession(rest);
  } else {
    CheckMessage(rest);
  }
  return 0;
}
