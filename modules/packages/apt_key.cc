#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "modules/framework/all.h"
#include "modules/packages/apt_common.h"
#include "modules/framework/text.h"
#include "modules/network/http_common.h"

namespace tend {
namespace {

constexpr const char* kTrustedGpg = "/etc/apt/trusted.gpg";
constexpr const char* kTrustedDir = "/etc/apt/trusted.gpg.d";

std::string NormalizeId(std::string id) {
  if (id.starts_with("0x") || id.starts_with("0X")) id.erase(0, 2);
  std::erase(id, ' ');
  for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return id;
}

bool HasId(const std::vector<std::string>& fingerprints, const std::string& id) {
  return std::any_of(fingerprints.begin(), fingerprints.end(),
                     [&](const std::string& fp) { return fp.ends_with(id); });
}

// Fingerprints in one keyring file, armored or binary; unreadable files hold none.
std::vector<std::string> FileFingerprints(Host& host, const std::string& path) {
  auto content = host.ReadFile(path);
  if (!content) return {};
  auto binary = Dearmor(*content);
  return binary ? KeyFingerprints(*binary) : std::vector<std::string>{};
}

// The keyring files apt trusts (or just `keyring` when given).
std::vector<std::string> KeyringFiles(Host& host, const std::string& keyring) {
  if (!keyring.empty()) return {keyring};
  std::vector<std::string> files{kTrustedGpg};
  auto names = host.ListDirectory(kTrustedDir);
  if (names) {
    for (const auto& name : *names) {
      if (name.ends_with(".gpg") || name.ends_with(".asc")) files.push_back(JoinPath(kTrustedDir, name));
    }
  }
  return files;
}

Expected<std::string> KeyMaterial(ModuleContext& context) {
  Host& host = context.Machine();
  if (context.Has("data")) return context.Str("data");
  if (context.Has("file")) return host.ReadFile(context.Str("file"));
  if (context.Has("url")) {
    std::string url = context.Str("url");
    auto key = DownloadText(context, url);
    if (!key) return Fail(fmt::format("Failed to download key at {}: {}", url, key.error().message));
    return key;
  }
  return Fail("keyserver is not supported by tend's apt_key; give data, file or url");
}

Expected<void> Store(ModuleContext& context, const std::string& material, const std::string& binary,
                     const std::vector<std::string>& fingerprints) {
  Host& host = context.Machine();
  std::string keyring = context.Str("keyring");
  if (keyring.empty()) {
    auto apt_key = host.Stat("/usr/bin/apt-key");
    auto gpg = host.Stat("/usr/bin/gpg");
    if (apt_key && apt_key->exists() && gpg && gpg->exists()) {
      auto ran = host.Run({.argv = {"apt-key", "add", "-"}, .stdin_data = material, .cwd = {},
                           .env = AptEnvironment()});
      if (!ran) return std::unexpected(ran.error());
      if (ran->rc != 0) return Fail(fmt::format("apt-key add failed: {}", StripTrailingNewlines(ran->stderr_data)));
      return {};
    }
    // Without apt-key (or gpg), a keyring in trusted.gpg.d is what apt reads.
    keyring = fmt::format("{}/{}.gpg", kTrustedDir, fingerprints.front().substr(24));
  }
  std::string content = binary;
  if (keyring.ends_with(".asc")) {
    content = material;
  } else {
    auto existing = host.ReadFile(keyring);
    if (existing) {
      auto old = Dearmor(*existing);
      if (old) content = *old + binary;
    }
  }
  return host.WriteFileAtomic(keyring, StringSource(content), {.mode = 0644, .uid = {}, .gid = {}});
}

Expected<Json> Remove(ModuleContext& context, const std::string& id, Json result) {
  Host& host = context.Machine();
  for (const auto& path : KeyringFiles(host, context.Str("keyring"))) {
    auto fps = FileFingerprints(host, path);
    if (!HasId(fps, id)) continue;
    result["changed"] = true;
    if (context.check) continue;
    if (path == kTrustedGpg) {
      auto ran = host.Run({.argv = {"apt-key", "del", id}, .stdin_data = {}, .cwd = {}, .env = AptEnvironment()});
      if (!ran) return std::unexpected(ran.error());
      if (ran->rc != 0) return Fail(fmt::format("error removing key_id {}: {}", id, StripTrailingNewlines(ran->stderr_data)));
      continue;
    }
    // Keys live one keyring per vendor; the keyring holding the key goes.
    auto removed = host.Remove(path);
    if (!removed) return std::unexpected(removed.error());
  }
  return result;
}

}  // namespace

const ModuleSpec& AptKeySpec() {
  static const ModuleSpec spec{
      .name = "apt_key",
      .short_description = "Add or remove an apt key",
      .args = {{.name = "id", .type = ArgType::kStr},
               {.name = "data", .type = ArgType::kStr},
               {.name = "file", .type = ArgType::kPath},
               {.name = "keyring", .type = ArgType::kPath},
               {.name = "url", .type = ArgType::kStr},
               {.name = "keyserver", .type = ArgType::kStr},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}},
               {.name = "validate_certs", .type = ArgType::kBool, .default_value = true}},
      .mutually_exclusive = {{"data", "file", "keyserver", "url"}},
      .returns = {"after", "before", "fp", "id", "key_id", "short_id"},
  };
  return spec;
}

// Keys are compared natively (OpenPGP fingerprints of the given key against
// the keyrings apt trusts), so a second run reads files and runs nothing.
Expected<Json> RunAptKey(ModuleContext& context) {
  Host& host = context.Machine();
  std::string id = NormalizeId(context.Str("id"));
  std::string keyring = context.Str("keyring");
  std::vector<std::string> before;
  for (const auto& path : KeyringFiles(host, keyring)) {
    auto fps = FileFingerprints(host, path);
    before.insert(before.end(), fps.begin(), fps.end());
  }
  Json result{{"changed", false}, {"before", before}, {"id", id}};
  if (context.Str("state") == "absent") {
    if (id.empty()) return Fail("state is absent but all of the following are missing: id");
    return Remove(context, id, result);
  }
  if (!id.empty() && HasId(before, id)) return result;
  if (!context.Has("data") && !context.Has("file") && !context.Has("url") && !context.Has("keyserver")) {
    return Fail(fmt::format("key {} is not present and none of data, file, url or keyserver is given", id));
  }
  auto material = KeyMaterial(context);
  if (!material) return std::unexpected(material.error());
  auto binary = Dearmor(*material);
  if (!binary) return Fail(fmt::format("Invalid key data: {}", binary.error().message));
  auto fingerprints = KeyFingerprints(*binary);
  if (fingerprints.empty()) return Fail("Invalid key data: no OpenPGP public key found");
  result["fp"] = fingerprints.front();
  result["key_id"] = fingerprints.front().substr(24);
  result["short_id"] = fingerprints.front().substr(32);
  if (!id.empty() && !HasId(fingerprints, id)) {
    return Fail(fmt::format("key id {} does not match the key given (fingerprint {})", id, fingerprints.front()));
  }
  bool all_there = std::all_of(fingerprints.begin(), fingerprints.end(),
                               [&](const std::string& fp) { return HasId(before, fp); });
  if (all_there) return result;
  result["changed"] = true;
  if (context.check) return result;
  auto stored = Store(context, *material, *binary, fingerprints);
  if (!stored) return std::unexpected(stored.error());
  Json after = before;
  for (const auto& fp : fingerprints) after.push_back(fp);
  result["after"] = after;
  return result;
}

}  // namespace tend
