#pragma once

// Messages between controller and agent (docs/protocol.md). Each is
// one kJson frame. The agent speaks first with a hello; then the controller
// sends requests and the agent answers each with a reply carrying the same id.
//
//   hello   {"type":"hello","protocol":1,"agent_version":"0.1.0",
//            "modules":["command",...],"facts":{...cheap facts...}}
//   request {"id":7,"op":"run","module":"command","args":{...},
//            "check":false,"diff":false}
//           op is one of: run, facts, stat, put, bye
//             run   runs `module` with `args`
//             facts the setup module (args: gather_subset, filter)
//             stat  the stat module (args: path, checksum_algorithm, ...)
//             put   writes a file like copy (args: dest, mode, owner, group,
//                   _content; answered with need_content when it differs)
//             bye   the agent replies {"id":N,"bye":true} and exits
//   reply   {"id":7,"changed":false,"failed":false,"msg":"", ...module fields}
//
// File content never travels inside JSON. A request whose args carry
// `"_content": {"sha1": "...", "size": N}` announces content the controller
// holds. When the agent needs it (the target differs) it sends
// {"id":7,"need_content":true}; the controller then streams kData frames and
// one kEnd frame, and the agent sends the final reply. When the target already
// matches, the final reply comes at once and no content moves.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/frame.h"
#include "core/json.h"

namespace tend::protocol {

inline constexpr int kVersion = 1;

inline constexpr std::string_view kOpRun = "run";
inline constexpr std::string_view kOpFacts = "facts";
inline constexpr std::string_view kOpStat = "stat";
inline constexpr std::string_view kOpPut = "put";
inline constexpr std::string_view kOpBye = "bye";

/// The argument key announcing content the controller will stream on demand.
inline constexpr std::string_view kContentArg = "_content";

struct Hello {
  int protocol = kVersion;
  std::string agent_version{};
  std::vector<std::string> modules{};
  Json facts = Json::object();
};

Json HelloToJson(const Hello& hello);
/// Parses a hello and checks the protocol version; a mismatch is an error that
/// names both versions (the controller then replaces the agent, never guesses).
Expected<Hello> ParseHello(const Json& message);

struct Request {
  int64_t id = 0;
  std::string op{kOpRun};
  std::string module{};
  Json args = Json::object();
  bool check = false;
  bool diff = false;
  /// `async: N`: run the module as a detached job of at most N seconds and
  /// reply at once with its job id (0 = run it now; see docs/protocol.md).
  int64_t async_seconds = 0;
};

Json RequestToJson(const Request& request);
/// Checks the shape; an unknown op is an error naming the known ones.
Expected<Request> ParseRequest(const Json& message);

/// The final reply: `result` (a module's result object) with "id" first and
/// "changed"/"failed" always present.
Json MakeReply(int64_t id, const Json& result);
/// A failed reply with `msg`.
Json MakeFailedReply(int64_t id, std::string_view msg);
Json MakeNeedContent(int64_t id);
bool IsNeedContent(const Json& message);

/// Describes content for a request's `_content` argument.
Json ContentDescriptor(std::string_view sha1, uint64_t size);

/// A blocking byte stream: the agent's stdin/stdout, a child's pipes, or an
/// SSH channel (the controller's transport implements it over libssh).
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  /// Reads at least one byte; 0 means end of stream.
  virtual Expected<size_t> Read(char* buffer, size_t size) = 0;
  /// Writes everything or fails.
  virtual Expected<void> Write(std::string_view bytes) = 0;
};

/// A ByteStream over two file descriptors (which it does not own).
class FdStream : public ByteStream {
 public:
  FdStream(int in_fd, int out_fd) : in_fd_(in_fd), out_fd_(out_fd) {}
  Expected<size_t> Read(char* buffer, size_t size) override;
  Expected<void> Write(std::string_view bytes) override;

 private:
  int in_fd_;
  int out_fd_;
};

/// Frames over a ByteStream, blocking. Errors are sticky like FrameReader's.
class FrameChannel {
 public:
  explicit FrameChannel(ByteStream& stream, size_t max_payload = kMaxFramePayload)
      : stream_(stream), reader_(max_payload) {}

  /// The next frame; end of stream is an error ("connection closed ...").
  Expected<Frame> Read();
  /// The next frame, which must be kJson and hold a JSON object.
  Expected<Json> ReadJson();
  Expected<void> Write(FrameType type, std::string_view payload);
  Expected<void> WriteJson(const Json& message);

 private:
  ByteStream& stream_;
  FrameReader reader_;
};

/// Writes content as kData frames of at most kDataChunkSize, then kEnd.
Expected<void> SendContent(FrameChannel& channel, std::string_view content);
/// Streams a local file as kData frames and kEnd, with bounded memory.
Expected<void> SendFileContent(FrameChannel& channel, const std::string& path);
/// Ends a content stream with an error instead of data: a kEnd frame whose
/// payload is the message (an empty kEnd payload means success).
Expected<void> SendContentError(FrameChannel& channel, std::string_view message);
/// Receives kData frames until kEnd, handing each chunk to `sink`. A sink
/// error stops consuming only after kEnd, so the stream stays in step. A kEnd
/// carrying a message (SendContentError) is returned as an error.
Expected<void> ReceiveContent(FrameChannel& channel,
                              const std::function<Expected<void>(std::string_view)>& sink);

/// Controller side: reads the agent's hello (the first frame) and checks it.
Expected<Hello> ReadHello(FrameChannel& channel);

/// Controller side of one round trip: sends `request`, answers need_content
/// by calling `send_content` (typically SendContent or SendFileContent bound
/// to the data; without one the agent is told there is no content), and
/// returns the final reply.
Expected<Json> Call(FrameChannel& channel, const Request& request,
                    const std::function<Expected<void>(FrameChannel&)>& send_content = {});

}  // namespace tend::protocol
