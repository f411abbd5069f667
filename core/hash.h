#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace tend {

enum class HashAlgorithm { kMd5, kSha1, kSha224, kSha256, kSha384, kSha512 };

/// Lower-case hex digest of `data`.
std::string HexDigest(HashAlgorithm algorithm, std::string_view data);
/// The digest's bytes.
std::string RawDigest(HashAlgorithm algorithm, std::string_view data);
/// HMAC-SHA-256 (RFC 2104), raw bytes.
std::string HmacSha256(std::string_view key, std::string_view data);
/// PBKDF2 with HMAC-SHA-256 (RFC 8018), `length` raw bytes.
std::string Pbkdf2HmacSha256(std::string_view password, std::string_view salt, int iterations,
                             size_t length);
/// Lower-case hex digest of a file's content, streamed with bounded memory.
Expected<std::string> HexDigestOfFile(HashAlgorithm algorithm, const std::string& path);
/// "md5", "sha1", "sha256"... as Ansible names them; nothing for an unknown name.
std::optional<HashAlgorithm> HashAlgorithmByName(std::string_view name);

inline std::string Sha256Hex(std::string_view data) {
  return HexDigest(HashAlgorithm::kSha256, data);
}
/// Ansible's `checksum` fields are SHA-1.
inline std::string Sha1Hex(std::string_view data) { return HexDigest(HashAlgorithm::kSha1, data); }

}  // namespace tend
