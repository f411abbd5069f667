#include "core/hash.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("digests match the reference values") {
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(HexDigest(HashAlgorithm::kMd5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(HashAlgorithmByName("sha512") == HashAlgorithm::kSha512);
  CHECK(!HashAlgorithmByName("crc32"));
}

TEST_CASE("a missing file is an error naming it") {
  auto r = HexDigestOfFile(HashAlgorithm::kSha1, "/nonexistent/x");
  REQUIRE(!r);
  CHECK(r.error().message == "cannot read /nonexistent/x: No such file or directory");
}

}  // namespace tend
