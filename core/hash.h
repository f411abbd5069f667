#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace tend {

enum class HashAlgorithm { kMd5, kSha1, kSha224, kSha256, kSha384, kSha512 };

/// Lower-case hex digest of `data`.
std::string HexDigest(HashAlgorithm algorithm, std::string_view data);
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
