#include "core/protocol.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace tend::protocol {
namespace {

// Replays `input` and records what is written, to test a side of the protocol
// without the other.
class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(std::string input, size_t chunk = 3)
      : input_(std::move(input)), chunk_(chunk) {}
  Expected<size_t> Read(char* buffer, size_t size) override {
    size_t n = std::min({size, chunk_, input_.size() - offset_});
    input_.copy(buffer, n, offset_);
    offset_ += n;
    return n;
  }
  Expected<void> Write(std::string_view bytes) override {
    output.append(bytes);
    return {};
  }
  std::string output;

 private:
  std::string input_;
  size_t offset_ = 0;
  size_t chunk_;
};

std::string JsonFrame(const Json& j) { return EncodeFrame(FrameType::kJson, j.dump()); }

std::vector<Frame> DecodeAll(const std::string& wire) {
  FrameReader reader;
  reader.Feed(wire);
  std::vector<Frame> frames;
  while (true) {
    auto next = reader.Next();
    REQUIRE(next.has_value());
    if (!*next) break;
    frames.push_back(**next);
  }
  return frames;
}

Hello SampleHello() {
  Hello hello;
  hello.agent_version = "0.1.0";
  hello.modules = {"ping", "command"};
  hello.facts = Json{{"system", "Linux"}};
  return hello;
}

}  // namespace

TEST_CASE("hello, request and reply round-trip through a channel") {
  Request request{.id = 7,
                  .op = "run",
                  .module = "command",
                  .args = Json{{"_raw_params", "uptime"}},
                  .check = true,
                  .diff = false};
  MemoryStream stream(JsonFrame(HelloToJson(SampleHello())) + JsonFrame(RequestToJson(request)));
  FrameChannel channel(stream);
  auto hello = ReadHello(channel);
  REQUIRE(hello.has_value());
  CHECK(hello->agent_version == "0.1.0");
  CHECK(hello->modules == std::vector<std::string>{"ping", "command"});
  CHECK(hello->facts["system"] == "Linux");
  auto message = channel.ReadJson();
  REQUIRE(message.has_value());
  auto parsed = ParseRequest(*message);
  REQUIRE(parsed.has_value());
  CHECK(parsed->id == 7);
  CHECK(parsed->module == "command");
  CHECK(parsed->args["_raw_params"] == "uptime");
  CHECK(parsed->check);
  CHECK(!parsed->diff);
  CHECK(channel.Read().error().message == "connection closed");
}

TEST_CASE("a reply always has id, changed and failed first") {
  Json reply = MakeReply(3, Json{{"rc", 0}, {"changed", true}});
  CHECK(reply.dump() == R"({"id":3,"changed":true,"failed":false,"rc":0})");
  CHECK(MakeFailedReply(4, "boom").dump() ==
        R"({"id":4,"changed":false,"failed":true,"msg":"boom"})");
}

TEST_CASE("a truncated frame is a clear error at end of stream") {
  std::string wire = JsonFrame(HelloToJson(SampleHello()));
  MemoryStream stream(wire.substr(0, 20));
  FrameChannel channel(stream);
  auto hello = ReadHello(channel);
  REQUIRE(!hello.has_value());
  CHECK(hello.error().message ==
        "protocol error: connection closed inside a frame (20 bytes of it arrived)");
}

TEST_CASE("garbage before the hello is a clear error showing the garbage") {
  // A pipe delivers what the shell printed in one read.
  MemoryStream stream("bash: tend-agent: command not found\n", 4096);
  FrameChannel channel(stream);
  auto hello = ReadHello(channel);
  REQUIRE(!hello.has_value());
  CHECK(hello.error().message ==
        "protocol error: expected a frame, got \"bash: tend-agent: command not found\\n\"");
}

TEST_CASE("an oversize frame is refused") {
  MemoryStream stream(EncodeFrame(FrameType::kJson, std::string(100, ' ')));
  FrameChannel channel(stream, 64);
  auto frame = channel.Read();
  REQUIRE(!frame.has_value());
  CHECK(frame.error().message == "protocol error: frame of 100 bytes exceeds the limit of 64");
}

TEST_CASE("a protocol version mismatch names both versions") {
  Hello hello = SampleHello();
  hello.protocol = 2;
  hello.agent_version = "0.9.0";
  auto parsed = ParseHello(HelloToJson(hello));
  REQUIRE(!parsed.has_value());
  CHECK(parsed.error().message ==
        "protocol version mismatch: tend-agent 0.9.0 speaks protocol 2, this controller speaks "
        "protocol 1");
}

TEST_CASE("a message that is not a hello is refused") {
  auto parsed = ParseHello(Json{{"id", 1}});
  REQUIRE(!parsed.has_value());
  CHECK(parsed.error().message == R"(protocol error: expected the agent's hello, got {"id":1})");
}

TEST_CASE("a frame that is not JSON is a clear error") {
  MemoryStream stream(EncodeFrame(FrameType::kJson, "{not json"));
  FrameChannel channel(stream);
  CHECK(channel.ReadJson().error().message ==
        "protocol error: a message is not a JSON object: {not json");
}

TEST_CASE("requests with unknown ops or wrong field types are refused") {
  CHECK(ParseRequest(Json{{"id", 1}, {"op", "exec"}}).error().message ==
        "protocol error: unknown op 'exec' (known: run, facts, stat, put, bye)");
  CHECK(ParseRequest(Json{{"id", "x"}, {"op", "run"}}).error().message ==
        R"(protocol error: request field 'id' has the wrong type: "x")");
  CHECK(ParseRequest(Json{{"id", 1}, {"op", "run"}}).error().message ==
        "protocol error: a run request needs a module");
  CHECK(ParseRequest(Json{{"id", 1}, {"op", "bye"}}).has_value());
}

TEST_CASE("Call streams content when the agent asks for it") {
  std::string agent_says =
      JsonFrame(MakeNeedContent(9)) + JsonFrame(MakeReply(9, Json{{"changed", true}}));
  MemoryStream stream(agent_says);
  FrameChannel channel(stream);
  std::string content(kDataChunkSize + 10, 'x');
  Request request{.id = 9, .op = "put", .module = "", .args = Json{{"dest", "/tmp/x"}}};
  auto reply = Call(channel, request, [&](FrameChannel& c) { return SendContent(c, content); });
  REQUIRE(reply.has_value());
  CHECK((*reply)["changed"] == true);
  auto frames = DecodeAll(stream.output);
  REQUIRE(frames.size() == 4);
  CHECK(frames[0].type == FrameType::kJson);
  CHECK(frames[1].type == FrameType::kData);
  CHECK(frames[1].payload.size() == kDataChunkSize);
  CHECK(frames[2].payload.size() == 10);
  CHECK(frames[3].type == FrameType::kEnd);
}

TEST_CASE("Call without content answers need_content with an error end frame") {
  MemoryStream stream(JsonFrame(MakeNeedContent(2)) + JsonFrame(MakeFailedReply(2, "x")));
  FrameChannel channel(stream);
  auto reply = Call(channel, Request{.id = 2, .op = "put", .module = ""});
  REQUIRE(reply.has_value());
  auto frames = DecodeAll(stream.output);
  REQUIRE(frames.size() == 2);
  CHECK(frames[1].type == FrameType::kEnd);
  CHECK(frames[1].payload == "the request announced no content");
}

TEST_CASE("ReceiveContent collects chunks and reports a controller-side error") {
  MemoryStream ok_stream(EncodeFrame(FrameType::kData, "ab") + EncodeFrame(FrameType::kData, "cd") +
                         EncodeFrame(FrameType::kEnd, ""));
  FrameChannel ok_channel(ok_stream);
  std::string got;
  REQUIRE(ReceiveContent(ok_channel, [&](std::string_view c) -> Expected<void> {
            got.append(c);
            return {};
          }).has_value());
  CHECK(got == "abcd");

  MemoryStream bad_stream(EncodeFrame(FrameType::kEnd, "could not read x: No such file"));
  FrameChannel bad_channel(bad_stream);
  auto result = ReceiveContent(bad_channel, [](std::string_view) -> Expected<void> { return {}; });
  CHECK(result.error().message ==
        "controller could not send the content: could not read x: No such file");
}

TEST_CASE("SendFileContent streams a file over pipes") {
  char name[] = "/tmp/tend-protocol-XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, "hello file", 10) == 10);
  close(fd);
  MemoryStream stream("");
  FrameChannel channel(stream);
  REQUIRE(SendFileContent(channel, name).has_value());
  std::remove(name);
  auto frames = DecodeAll(stream.output);
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].payload == "hello file");

  MemoryStream missing("");
  FrameChannel missing_channel(missing);
  REQUIRE(SendFileContent(missing_channel, "/nonexistent/file").has_value());
  CHECK(DecodeAll(missing.output)[0].payload ==
        "could not read /nonexistent/file: No such file or directory");
}

TEST_CASE("FdStream carries frames over a pipe") {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  FdStream stream(fds[0], fds[1]);
  FrameChannel channel(stream);
  REQUIRE(channel.WriteJson(Json{{"a", 1}}).has_value());
  close(fds[1]);
  auto message = channel.ReadJson();
  REQUIRE(message.has_value());
  CHECK((*message)["a"] == 1);
  CHECK(channel.Read().error().message == "connection closed");
  close(fds[0]);
}

}  // namespace tend::protocol
