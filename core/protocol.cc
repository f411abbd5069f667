#include "core/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace tend::protocol {
namespace {

const std::vector<std::string>& KnownOps() {
  static const std::vector<std::string> ops{std::string(kOpRun), std::string(kOpFacts),
                                            std::string(kOpStat), std::string(kOpPut),
                                            std::string(kOpBye)};
  return ops;
}

// Reading a field of a peer's message: a wrong type is a protocol error that
// names the field, not a nlohmann exception escaping the boundary.
template <class T>
Expected<T> Field(const Json& message, const char* what, const char* key, T fallback) {
  auto it = message.find(key);
  if (it == message.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return Fail(
        fmt::format("protocol error: {} field '{}' has the wrong type: {}", what, key, it->dump()));
  }
}

}  // namespace

Json HelloToJson(const Hello& hello) {
  return Json{{"type", "hello"},
              {"protocol", hello.protocol},
              {"agent_version", hello.agent_version},
              {"modules", hello.modules},
              {"facts", hello.facts}};
}

Expected<Hello> ParseHello(const Json& message) {
  if (!message.is_object() || message.value("type", "") != "hello") {
    return Fail(fmt::format("protocol error: expected the agent's hello, got {}",
                            message.dump().substr(0, 200)));
  }
  Hello hello;
  auto protocol = Field<int>(message, "hello", "protocol", 0);
  if (!protocol) return std::unexpected(protocol.error());
  hello.protocol = *protocol;
  auto version = Field<std::string>(message, "hello", "agent_version", "");
  if (!version) return std::unexpected(version.error());
  hello.agent_version = *version;
  if (hello.protocol != kVersion) {
    return Fail(fmt::format(
        "protocol version mismatch: tend-agent {} speaks protocol {}, this controller speaks "
        "protocol {}",
        hello.agent_version.empty() ? "(unknown version)" : hello.agent_version, hello.protocol,
        kVersion));
  }
  auto modules = Field<std::vector<std::string>>(message, "hello", "modules", {});
  if (!modules) return std::unexpected(modules.error());
  hello.modules = *modules;
  if (auto it = message.find("facts"); it != message.end() && it->is_object()) hello.facts = *it;
  return hello;
}

Json RequestToJson(const Request& request) {
  Json out{{"id", request.id}, {"op", request.op}};
  if (!request.module.empty()) out["module"] = request.module;
  out["args"] = request.args;
  out["check"] = request.check;
  out["diff"] = request.diff;
  if (request.async_seconds > 0) out["async"] = request.async_seconds;
  return out;
}

Expected<Request> ParseRequest(const Json& message) {
  if (!message.is_object()) {
    return Fail("protocol error: a request must be a JSON object, got " +
                message.dump().substr(0, 200));
  }
  Request request;
  auto id = Field<int64_t>(message, "request", "id", 0);
  auto op = Field<std::string>(message, "request", "op", "");
  auto module = Field<std::string>(message, "request", "module", "");
  auto check = Field<bool>(message, "request", "check", false);
  auto diff = Field<bool>(message, "request", "diff", false);
  for (const Error* e :
       {id ? nullptr : &id.error(), op ? nullptr : &op.error(), module ? nullptr : &module.error(),
        check ? nullptr : &check.error(), diff ? nullptr : &diff.error()}) {
    if (e) return std::unexpected(*e);
  }
  request.id = *id;
  request.op = *op;
  request.module = *module;
  request.check = *check;
  request.diff = *diff;
  auto async = Field<int64_t>(message, "request", "async", 0);
  if (!async) return std::unexpected(async.error());
  request.async_seconds = *async;
  const auto& ops = KnownOps();
  if (std::find(ops.begin(), ops.end(), request.op) == ops.end()) {
    return Fail(fmt::format("protocol error: unknown op '{}' (known: run, facts, stat, put, bye)",
                            request.op));
  }
  if (request.op == kOpRun && request.module.empty()) {
    return Fail("protocol error: a run request needs a module");
  }
  if (auto it = message.find("args"); it != message.end() && !it->is_null()) {
    if (!it->is_object()) return Fail("protocol error: request field 'args' must be an object");
    request.args = *it;
  }
  return request;
}

Json MakeReply(int64_t id, const Json& result) {
  Json out{{"id", id}};
  out["changed"] = result.is_object() ? result.value("changed", false) : false;
  out["failed"] = result.is_object() ? result.value("failed", false) : false;
  if (result.is_object()) {
    for (const auto& [key, value] : result.items()) {
      if (key != "id") out[key] = value;
    }
  }
  return out;
}

Json MakeFailedReply(int64_t id, std::string_view msg) {
  return Json{{"id", id}, {"changed", false}, {"failed", true}, {"msg", msg}};
}

Json MakeNeedContent(int64_t id) { return Json{{"id", id}, {"need_content", true}}; }

bool IsNeedContent(const Json& message) {
  return message.is_object() && message.value("need_content", false);
}

Json ContentDescriptor(std::string_view sha1, uint64_t size) {
  return Json{{"sha1", sha1}, {"size", size}};
}

Expected<size_t> FdStream::Read(char* buffer, size_t size) {
  while (true) {
    ssize_t n = ::read(in_fd_, buffer, size);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) return Fail(fmt::format("read failed: {}", std::strerror(errno)));
  }
}

Expected<void> FdStream::Write(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(out_fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE) return Fail("connection closed by the other side (broken pipe)");
      return Fail(fmt::format("write failed: {}", std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Expected<Frame> FrameChannel::Read() {
  char buffer[64 * 1024];
  while (true) {
    auto next = reader_.Next();
    if (!next) return std::unexpected(next.error());
    if (*next) return std::move(**next);
    auto n = stream_.Read(buffer, sizeof buffer);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) {
      if (reader_.Pending() == 0) return Fail("connection closed");
      return Fail(
          fmt::format("protocol error: connection closed inside a frame ({} bytes of it "
                      "arrived)",
                      reader_.Pending()));
    }
    reader_.Feed(std::string_view(buffer, *n));
  }
}

Expected<Json> FrameChannel::ReadJson() {
  auto frame = Read();
  if (!frame) return std::unexpected(frame.error());
  if (frame->type != FrameType::kJson) {
    return Fail(fmt::format("protocol error: expected a message, got a '{}' frame",
                            static_cast<char>(frame->type)));
  }
  Json message = Json::parse(frame->payload, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object()) {
    return Fail("protocol error: a message is not a JSON object: " + frame->payload.substr(0, 200));
  }
  return message;
}

Expected<void> FrameChannel::Write(FrameType type, std::string_view payload) {
  return stream_.Write(EncodeFrame(type, payload));
}

Expected<void> FrameChannel::WriteJson(const Json& message) {
  // Replacement keeps a non-UTF-8 byte in a command's output from throwing.
  return Write(FrameType::kJson, message.dump(-1, ' ', false, Json::error_handler_t::replace));
}

Expected<void> SendContent(FrameChannel& channel, std::string_view content) {
  for (size_t i = 0; i < content.size(); i += kDataChunkSize) {
    auto ok = channel.Write(FrameType::kData, content.substr(i, kDataChunkSize));
    if (!ok) return ok;
  }
  return channel.Write(FrameType::kEnd, "");
}

Expected<void> SendContentError(FrameChannel& channel, std::string_view message) {
  return channel.Write(FrameType::kEnd, message.empty() ? "no content" : message);
}

Expected<void> SendFileContent(FrameChannel& channel, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    // The agent reports this in its reply; the channel itself is fine.
    return SendContentError(channel,
                            fmt::format("could not read {}: {}", path, std::strerror(errno)));
  }
  std::string buffer(kDataChunkSize, '\0');
  while (true) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string message = fmt::format("could not read {}: {}", path, std::strerror(errno));
      ::close(fd);
      return SendContentError(channel, message);
    }
    if (n == 0) break;
    auto ok = channel.Write(FrameType::kData, std::string_view(buffer.data(), n));
    if (!ok) {
      ::close(fd);
      return ok;
    }
  }
  ::close(fd);
  return channel.Write(FrameType::kEnd, "");
}

Expected<void> ReceiveContent(FrameChannel& channel,
                              const std::function<Expected<void>(std::string_view)>& sink) {
  std::optional<Error> sink_error;
  while (true) {
    auto frame = channel.Read();
    if (!frame) return std::unexpected(frame.error());
    if (frame->type == FrameType::kEnd) {
      if (!frame->payload.empty())
        return Fail("controller could not send the content: " + frame->payload);
      if (sink_error) return std::unexpected(*sink_error);
      return {};
    }
    if (frame->type != FrameType::kData) {
      return Fail("protocol error: expected file content, got a message");
    }
    if (!sink_error) {
      auto ok = sink(frame->payload);
      if (!ok) sink_error = ok.error();
    }
  }
}

Expected<Hello> ReadHello(FrameChannel& channel) {
  auto message = channel.ReadJson();
  if (!message) return std::unexpected(message.error());
  return ParseHello(*message);
}

Expected<Json> Call(FrameChannel& channel, const Request& request,
                    const std::function<Expected<void>(FrameChannel&)>& send_content) {
  auto sent = channel.WriteJson(RequestToJson(request));
  if (!sent) return std::unexpected(sent.error());
  while (true) {
    auto message = channel.ReadJson();
    if (!message) return std::unexpected(message.error());
    if (!IsNeedContent(*message)) {
      if (message->value("id", int64_t{-1}) != request.id) {
        return Fail(fmt::format("protocol error: reply for request {} while waiting for {}",
                                message->value("id", int64_t{-1}), request.id));
      }
      return message;
    }
    auto ok = send_content ? send_content(channel)
                           : SendContentError(channel, "the request announced no content");
    if (!ok) return std::unexpected(ok.error());
  }
}

}  // namespace tend::protocol
