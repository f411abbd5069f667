#include "core/hash.h"

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

namespace tend {

TEST_CASE("digests match the reference values") {
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(HexDigest(HashAlgorithm::kMd5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(HexDigest(HashAlgorithm::kSha224, "abc") ==
        "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  CHECK(HexDigest(HashAlgorithm::kSha384, "abc") ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
        "8086072ba1e7cc2358baeca134c825a7");
  CHECK(HexDigest(HashAlgorithm::kSha512, "abc") ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  CHECK(HashAlgorithmByName("sha512") == HashAlgorithm::kSha512);
  CHECK(!HashAlgorithmByName("crc32"));
}

namespace {
std::string HexOf(std::string_view raw) {
  std::string hex;
  for (unsigned char c : raw) hex += fmt::format("{:02x}", c);
  return hex;
}
}  // namespace

TEST_CASE("HMAC-SHA-256: RFC 4231 and keys longer than a block") {
  CHECK(HexOf(HmacSha256("Jefe", "what do ya want for nothing?")) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(HexOf(HmacSha256("key", "The quick brown fox jumps over the lazy dog")) ==
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  CHECK(HexOf(HmacSha256(std::string(100, 'k'), "data")) ==
        "09380ee4b802da2363bc96e8e0d133ba275458ea8ddbc564f986fc12b31f8cb1");
}

TEST_CASE("PBKDF2-HMAC-SHA-256: RFC 7914 vector, several blocks, many iterations") {
  CHECK(HexOf(Pbkdf2HmacSha256("passwd", "salt", 1, 64)) ==
        "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783");
  CHECK(HexOf(Pbkdf2HmacSha256("pencil", "saltsalt", 4096, 32)) ==
        "3ab622b9bf8eb2f5044e04c8a8c4428a5be57841ee006e52925053fce881d027");
}

TEST_CASE("a file's digest, read in blocks, equals the digest of its bytes") {
  std::string bytes(200000, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 % 256);
  std::string path = std::filesystem::temp_directory_path() / "tend-hash-test.bin";
  std::ofstream(path, std::ios::binary) << bytes;
  CHECK(*HexDigestOfFile(HashAlgorithm::kSha384, path) == HexDigest(HashAlgorithm::kSha384, bytes));
  std::filesystem::remove(path);
}

TEST_CASE("a missing file is an error naming it") {
  auto r = HexDigestOfFile(HashAlgorithm::kSha1, "/nonexistent/x");
  REQUIRE(!r);
  CHECK(r.error().message == "cannot read /nonexistent/x: No such file or directory");
}

}  // namespace tend
