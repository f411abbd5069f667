// Hashing and encoding filters: b64encode/b64decode, hash/md5/sha1/checksum,
// password_hash, to_uuid, urlencode.

#include <crypt.h>

#include <random>

#include <fmt/format.h>

#include "controller/template/filters/args.h"
#include "controller/template/filters/filters.h"
#include "core/hash.h"

namespace tend::jinja {
namespace {

const char* kB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
std::string SaltFrom(const Json* salt, std::mt19937_64* rng) {
  if (salt && !salt->is_null()) return PythonStr(*salt);
  static const char* kChars = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::random_device rd;
  std::mt19937_64 local(rd());
  std::mt19937_64& g = rng ? *rng : local;
  std::string s;
  for (int k = 0; k < 16; ++k) s += kChars[g() % 64];
  return s;
}

}  // namespace

Value FB64Encode(Renderer&, Value& in, const Args&) {
  std::string s = PythonStr(in.json()), out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8) | static_cast<unsigned char>(s[i + 2]);
    out += kB64[n >> 18], out += kB64[(n >> 12) & 63], out += kB64[(n >> 6) & 63], out += kB64[n & 63];
  }
  if (i + 1 == s.size()) {
    uint32_t n = static_cast<unsigned char>(s[i]) << 16;
    out += kB64[n >> 18], out += kB64[(n >> 12) & 63], out += "==";
  } else if (i + 2 == s.size()) {
    uint32_t n = (static_cast<unsigned char>(s[i]) << 16) | (static_cast<unsigned char>(s[i + 1]) << 8);
    out += kB64[n >> 18], out += kB64[(n >> 12) & 63], out += kB64[(n >> 6) & 63], out += '=';
  }
  return Value(Json(out));
}
Value FB64Decode(Renderer&, Value& in, const Args&) {
  std::string s = PythonStr(in.json()), out;
  uint32_t buf = 0;
  int bits = 0;
  for (char c : s) {
    const char* p = strchr(kB64, c);
    if (c == '=' || !p || !c) continue;
    buf = (buf << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buf >> bits) & 0xFF);
    }
  }
  return Value(Json(out));
}
Value FHash(Renderer&, Value& in, const Args& a) {
  std::string algo = OptStr(a, 0, "hashtype", "sha1");
  auto h = HashAlgorithmByName(algo);
  if (!h) throw RenderError("unsupported hash type " + algo);
  return Value(Json(HexDigest(*h, PythonStr(in.json()))));
}
Value FMd5(Renderer&, Value& in, const Args&) { return Value(Json(HexDigest(HashAlgorithm::kMd5, PythonStr(in.json())))); }
Value FSha1(Renderer&, Value& in, const Args&) { return Value(Json(HexDigest(HashAlgorithm::kSha1, PythonStr(in.json())))); }
Value FPasswordHash(Renderer&, Value& in, const Args& a) {
  std::string scheme = OptStr(a, 0, "hashtype", "sha512");
  const Json* salt = Opt(a, 1, "salt");
  const Json* rounds = Opt(a, 2, "rounds");
  std::string prefix = scheme == "sha512" ? "$6$" : scheme == "sha256" ? "$5$" : scheme == "md5" ? "$1$" : "";
  if (prefix.empty()) throw RenderError("unsupported password hash scheme " + scheme);
  std::string setting = prefix;
  // Ansible writes the rounds out, with passlib's defaults.
  int64_t r = rounds && !rounds->is_null() ? rounds->get<int64_t>() : prefix == "$6$" ? 656000 : prefix == "$5$" ? 535000 : 0;
  if (r) setting += fmt::format("rounds={}$", r);
  std::string s = SaltFrom(salt, nullptr);
  if (prefix != "$1$" && s.size() > 16) s.resize(16);
  setting += s;
  struct crypt_data data{};
  const char* out = crypt_r(PythonStr(in.json()).c_str(), setting.c_str(), &data);
  if (!out || out[0] == '*') throw RenderError("crypt failed");
  return Value(Json(std::string(out)));
}
Value FToUuid(Renderer&, Value& in, const Args& a) {
  // uuid5 in Ansible's namespace.
  std::string ns_text = OptStr(a, 0, "namespace", "361E6D51-FAEC-444A-9079-341386DA8E2E");
  std::string ns_hex;
  for (char c : ns_text)
    if (c != '-') ns_hex += static_cast<char>(tolower(static_cast<unsigned char>(c)));
  std::string ns_bytes;
  for (size_t k = 0; k + 1 < ns_hex.size(); k += 2) ns_bytes += static_cast<char>(std::stoi(ns_hex.substr(k, 2), nullptr, 16));
  std::string digest = HexDigest(HashAlgorithm::kSha1, ns_bytes + PythonStr(in.json()));
  std::string h = digest.substr(0, 32);
  auto set_nibble = [&](size_t pos, int value) { h[pos] = "0123456789abcdef"[value]; };
  set_nibble(12, 5);
  int variant = std::stoi(h.substr(16, 1), nullptr, 16);
  set_nibble(16, (variant & 0x3) | 0x8);
  return Value(Json(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20, 12)));
}
Value FUrlencode(Renderer&, Value& in, const Args&) {
  auto quote = [](const std::string& s, bool plus_safe_slash) {
    std::string out;
    for (unsigned char c : s) {
      if (isalnum(c) || strchr("_.-~", c) || (plus_safe_slash && c == '/')) out += static_cast<char>(c);
      else out += fmt::format("%{:02X}", c);
    }
    return out;
  };
  const Json& j = in.json();
  if (j.is_object()) {
    std::string out;
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!out.empty()) out += '&';
      out += quote(it.key(), false) + "=" + quote(PythonStr(it.value()), false);
    }
    return Value(Json(out));
  }
  return Value(Json(quote(PythonStr(j), true)));
}
Value FCheckSum(Renderer& r, Value& in, const Args& a) { return FSha1(r, in, a); }

}  // namespace tend::jinja
