#include "core/frame.h"

#include <doctest/doctest.h>

#include <vector>

namespace tend {

TEST_CASE("frames round-trip, also when fed one byte at a time") {
  std::string wire = EncodeFrame(FrameType::kJson, R"({"op":"ping"})") +
                     EncodeFrame(FrameType::kData, std::string(3, '\0')) +
                     EncodeFrame(FrameType::kEnd, "");
  FrameReader reader;
  std::vector<Frame> frames;
  for (char c : wire) {
    reader.Feed(std::string_view(&c, 1));
    while (true) {
      auto next = reader.Next();
      REQUIRE(next.has_value());
      if (!*next) break;
      frames.push_back(**next);
    }
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].payload == R"({"op":"ping"})");
  CHECK(frames[1].type == FrameType::kData);
  CHECK(frames[1].payload.size() == 3);
  CHECK(frames[2].type == FrameType::kEnd);
  CHECK(reader.Pending() == 0);
}

TEST_CASE("a truncated frame waits for more bytes") {
  std::string wire = EncodeFrame(FrameType::kJson, "{}");
  FrameReader reader;
  reader.Feed(wire.substr(0, wire.size() - 1));
  auto next = reader.Next();
  REQUIRE(next.has_value());
  CHECK(!next->has_value());
  CHECK(reader.Pending() == wire.size() - 1);
}

TEST_CASE("garbage before a frame is an error that shows the garbage") {
  FrameReader reader;
  reader.Feed("Welcome to host\n" + EncodeFrame(FrameType::kJson, "{}"));
  auto next = reader.Next();
  REQUIRE(!next.has_value());
  CHECK(next.error().message ==
        "protocol error: expected a frame, got \"Welcome to host\\nTNJ\\x00\\x00\\x00\\x02{}\"");
  CHECK(!reader.Next().has_value());  // sticky
}

TEST_CASE("an oversize frame is refused before it is buffered") {
  FrameReader reader(1024);
  reader.Feed(EncodeFrame(FrameType::kData, std::string(2048, 'x')).substr(0, 7));
  auto next = reader.Next();
  REQUIRE(!next.has_value());
  CHECK(next.error().message == "protocol error: frame of 2048 bytes exceeds the limit of 1024");
}

}  // namespace tend
