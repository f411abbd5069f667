#include "core/hash.h"

// The agent is linked statically, and OpenSSL 3's EVP layer drags in its
// provider and config machinery (about 3 MB of the agent, and a config file
// it must be kept from reading on targets). The classic one-shot digest
// functions are self-contained; they are deprecated in 3.0 in favour of EVP
// but are what we want here, so their warnings are silenced in this file only.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <variant>

namespace tend {
namespace {

template <typename Context, auto Init, auto Update, auto Final, size_t kLength>
struct Algorithm {
  Context context;
  Algorithm() { Init(&context); }
  void Add(const void* data, size_t size) { Update(&context, data, size); }
  std::string Raw() {
    unsigned char digest[kLength];
    Final(digest, &context);
    return std::string(reinterpret_cast<const char*>(digest), kLength);
  }
};

using Md5 = Algorithm<MD5_CTX, MD5_Init, MD5_Update, MD5_Final, MD5_DIGEST_LENGTH>;
using Sha1 = Algorithm<SHA_CTX, SHA1_Init, SHA1_Update, SHA1_Final, SHA_DIGEST_LENGTH>;
using Sha224 =
    Algorithm<SHA256_CTX, SHA224_Init, SHA224_Update, SHA224_Final, SHA224_DIGEST_LENGTH>;
using Sha256 =
    Algorithm<SHA256_CTX, SHA256_Init, SHA256_Update, SHA256_Final, SHA256_DIGEST_LENGTH>;
using Sha384 =
    Algorithm<SHA512_CTX, SHA384_Init, SHA384_Update, SHA384_Final, SHA384_DIGEST_LENGTH>;
using Sha512 =
    Algorithm<SHA512_CTX, SHA512_Init, SHA512_Update, SHA512_Final, SHA512_DIGEST_LENGTH>;

// A streaming digest of any HashAlgorithm.
class Digest {
 public:
  explicit Digest(HashAlgorithm algorithm) : state_(Start(algorithm)) {}
  void Add(std::string_view data) {
    std::visit([&](auto& a) { a.Add(data.data(), data.size()); }, state_);
  }
  std::string Raw() {
    return std::visit([](auto& a) { return a.Raw(); }, state_);
  }

 private:
  using State = std::variant<Md5, Sha1, Sha224, Sha256, Sha384, Sha512>;
  static State Start(HashAlgorithm algorithm) {
    switch (algorithm) {
      case HashAlgorithm::kMd5: return Md5();
      case HashAlgorithm::kSha1: return Sha1();
      case HashAlgorithm::kSha224: return Sha224();
      case HashAlgorithm::kSha256: return Sha256();
      case HashAlgorithm::kSha384: return Sha384();
      case HashAlgorithm::kSha512: return Sha512();
    }
    return Sha256();
  }
  State state_;
};

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    auto byte = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[byte >> 4];
    out[2 * i + 1] = kDigits[byte & 15];
  }
  return out;
}

}  // namespace

std::string RawDigest(HashAlgorithm algorithm, std::string_view data) {
  Digest digest(algorithm);
  digest.Add(data);
  return digest.Raw();
}

std::string HexDigest(HashAlgorithm algorithm, std::string_view data) {
  return Hex(RawDigest(algorithm, data));
}

Expected<std::string> HexDigestOfFile(HashAlgorithm algorithm, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("cannot read " + path + ": " + std::strerror(errno));
  Digest digest(algorithm);
  std::string buffer(1 << 16, '\0');
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    digest.Add(std::string_view(buffer.data(), static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return Fail("error reading " + path);
  return Hex(digest.Raw());
}

namespace {

// RFC 2104 HMAC with SHA-256's 64-byte block. The key's inner and outer pads
// are hashed once; PBKDF2 then reuses them for every iteration.
class KeyedSha256 {
 public:
  explicit KeyedSha256(std::string_view key) {
    constexpr size_t kBlock = 64;
    std::string block = key.size() > kBlock ? RawDigest(HashAlgorithm::kSha256, key)
                                            : std::string(key);
    block.resize(kBlock, '\0');
    std::string inner(kBlock, '\0'), outer(kBlock, '\0');
    for (size_t i = 0; i < kBlock; ++i) {
      inner[i] = static_cast<char>(block[i] ^ 0x36);
      outer[i] = static_cast<char>(block[i] ^ 0x5c);
    }
    inner_.Add(inner.data(), inner.size());
    outer_.Add(outer.data(), outer.size());
  }
  std::string Mac(std::string_view data) const {
    Sha256 in = inner_, out = outer_;
    in.Add(data.data(), data.size());
    std::string inner_digest = in.Raw();
    out.Add(inner_digest.data(), inner_digest.size());
    return out.Raw();
  }

 private:
  Sha256 inner_, outer_;
};

}  // namespace

std::string HmacSha256(std::string_view key, std::string_view data) {
  return KeyedSha256(key).Mac(data);
}

// RFC 8018 section 5.2 with HMAC-SHA-256 as the PRF.
std::string Pbkdf2HmacSha256(std::string_view password, std::string_view salt, int iterations,
                             size_t length) {
  KeyedSha256 prf(password);
  std::string derived;
  for (uint32_t block = 1; derived.size() < length; ++block) {
    std::string salted(salt);
    for (int shift = 24; shift >= 0; shift -= 8) salted += static_cast<char>(block >> shift);
    std::string u = prf.Mac(salted), t = u;
    for (int i = 1; i < iterations; ++i) {
      u = prf.Mac(u);
      for (size_t j = 0; j < t.size(); ++j) t[j] = static_cast<char>(t[j] ^ u[j]);
    }
    derived += t;
  }
  derived.resize(length);
  return derived;
}

std::optional<HashAlgorithm> HashAlgorithmByName(std::string_view name) {
  if (name == "md5") return HashAlgorithm::kMd5;
  if (name == "sha1") return HashAlgorithm::kSha1;
  if (name == "sha224") return HashAlgorithm::kSha224;
  if (name == "sha256") return HashAlgorithm::kSha256;
  if (name == "sha384") return HashAlgorithm::kSha384;
  if (name == "sha512") return HashAlgorithm::kSha512;
  return std::nullopt;
}

}  // namespace tend
