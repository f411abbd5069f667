#include "controller/vault/vault.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include <fmt/format.h>

#include "core/strings.h"
#include "controller/vault/run_program.h"

namespace tend {
namespace {

constexpr std::string_view kHeader = "$ANSIBLE_VAULT";
constexpr int kIterations = 10000;
constexpr size_t kSaltBytes = 32;

struct Keys {
  std::array<unsigned char, 32> cipher;
  std::array<unsigned char, 32> mac;
  std::array<unsigned char, 16> iv;
};

Keys DeriveKeys(const std::string& password, std::string_view salt) {
  unsigned char out[80];
  PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), kIterations, EVP_sha256(), sizeof out, out);
  Keys keys;
  std::memcpy(keys.cipher.data(), out, 32);
  std::memcpy(keys.mac.data(), out + 32, 32);
  std::memcpy(keys.iv.data(), out + 64, 16);
  OPENSSL_cleanse(out, sizeof out);
  return keys;
}

std::string Hmac(const Keys& keys, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), keys.mac.data(), static_cast<int>(keys.mac.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

// AES-256-CTR is its own inverse.
std::string Ctr(const Keys& keys, std::string_view input) {
  std::string output(input.size(), '\0');
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int length = 0;
  EVP_EncryptInit_ex(ctx, EVP_aes_256_ctr(), nullptr, keys.cipher.data(), keys.iv.data());
  EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(output.data()), &length,
                    reinterpret_cast<const unsigned char*>(input.data()),
                    static_cast<int>(input.size()));
  EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(output.data()) + length, &length);
  EVP_CIPHER_CTX_free(ctx);
  return output;
}

std::string Hexlify(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> Unhexlify(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// The envelope's own whitespace: what ansible-vault skips before the header.
constexpr std::string_view kEnvelopeSpace = " \t\n\r";

struct Envelope {
  std::string vault_id;  // empty for 1.1
  std::string salt, mac, ciphertext;
};

Expected<Envelope> ParseEnvelope(std::string_view text, std::string_view name) {
  auto format_error = [&](std::string_view why) {
    return Fail(fmt::format("vault format error in {}: {}", name, why));
  };
  text = TrimLeft(text, kEnvelopeSpace);
  size_t eol = text.find('\n');
  std::string header = std::string(TrimRight(TrimLeft(text.substr(0, eol), kEnvelopeSpace)));
  std::vector<std::string> parts;
  std::stringstream split(header);
  for (std::string part; std::getline(split, part, ';');) parts.push_back(std::string(TrimRight(TrimLeft(part, kEnvelopeSpace))));
  if (parts.size() < 3 || parts[0] != kHeader) return format_error("bad header line");
  if (parts[1] != "1.1" && parts[1] != "1.2") {
    return format_error(fmt::format("unsupported vault version '{}'", parts[1]));
  }
  if (parts[2] != "AES256") {
    return Fail(fmt::format("{} cipher could not be found ({})", parts[2], name));
  }
  Envelope envelope;
  if (parts.size() >= 4) envelope.vault_id = parts[3];
  std::string body;
  if (eol != std::string_view::npos) {
    for (char c : text.substr(eol + 1))
      if (!std::isspace(static_cast<unsigned char>(c))) body += c;
  }
  auto inner = Unhexlify(body);
  if (!inner || body.empty()) return format_error("the body is not hex-encoded (truncated?)");
  size_t first = inner->find('\n');
  size_t second = first == std::string::npos ? first : inner->find('\n', first + 1);
  if (second == std::string::npos) return format_error("the body has fewer than 3 parts (truncated?)");
  auto salt = Unhexlify(std::string_view(*inner).substr(0, first));
  auto mac = Unhexlify(std::string_view(*inner).substr(first + 1, second - first - 1));
  auto ciphertext = Unhexlify(std::string_view(*inner).substr(second + 1));
  if (!salt || !mac || !ciphertext || salt->empty() || mac->size() != 32) {
    return format_error("the salt, MAC or ciphertext is malformed (truncated?)");
  }
  envelope.salt = std::move(*salt);
  envelope.mac = std::move(*mac);
  envelope.ciphertext = std::move(*ciphertext);
  return envelope;
}

// Returns the plaintext, or nothing when the MAC does not match this password.
std::optional<std::string> TryDecrypt(const Envelope& envelope, const std::string& password) {
  Keys keys = DeriveKeys(password, envelope.salt);
  std::string mac = Hmac(keys, envelope.ciphertext);
  if (CRYPTO_memcmp(mac.data(), envelope.mac.data(), mac.size()) != 0) return std::nullopt;
  std::string padded = Ctr(keys, envelope.ciphertext);
  OPENSSL_cleanse(&keys, sizeof keys);
  if (padded.empty()) return std::nullopt;
  unsigned pad = static_cast<unsigned char>(padded.back());
  if (pad == 0 || pad > 16 || pad > padded.size()) return std::nullopt;
  for (size_t i = padded.size() - pad; i < padded.size(); ++i) {
    if (static_cast<unsigned char>(padded[i]) != pad) return std::nullopt;
  }
  padded.resize(padded.size() - pad);
  return padded;
}

std::string Prompt(const std::string& text, bool* ok) {
  *ok = false;
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) return {};
  std::fputs(text.c_str(), tty);
  std::fflush(tty);
  termios old_mode{}, quiet{};
  bool restore = tcgetattr(fileno(tty), &old_mode) == 0;
  if (restore) {
    quiet = old_mode;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
  }
  std::string line;
  for (int c; (c = std::fgetc(tty)) != EOF && c != '\n';) line += static_cast<char>(c);
  if (restore) tcsetattr(fileno(tty), TCSAFLUSH, &old_mode);
  std::fputs("\n", tty);
  std::fclose(tty);
  *ok = true;
  return std::string(TrimRight(TrimLeft(line, kEnvelopeSpace)));
}

bool IsExecutableFile(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

bool IsClientScript(const std::string& path) {
  std::string stem = path;
  size_t slash = stem.rfind('/');
  size_t dot = stem.rfind('.');
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash + 1)) stem.erase(dot);
  return stem.ends_with("-client");
}

Expected<std::string> PasswordFromSource(const std::string& id, const std::string& source) {
  if (source == "prompt" || source == "prompt_ask_vault_pass") {
    bool ok = false;
    std::string text = id == "default" ? "Vault password: "
                                       : fmt::format("Vault password ({}): ", id);
    std::string password = Prompt(text, &ok);
    if (!ok) return Fail("cannot prompt for the vault password: no terminal");
    if (password.empty()) return Fail("the vault password given at the prompt is empty");
    return password;
  }
  struct stat st{};
  if (stat(source.c_str(), &st) != 0) {
    return Fail(fmt::format("the vault password file {} was not found", source));
  }
  std::string password;
  if (IsExecutableFile(source)) {
    std::vector<std::string> argv{source};
    if (IsClientScript(source)) argv.insert(argv.end(), {"--vault-id", id});
    auto run = RunProgram(argv, std::chrono::minutes(5), true);
    if (!run) return std::unexpected(run.error());
    if (run->exit_code != 0) {
      return Fail(fmt::format("vault password script {} returned non-zero ({})", source,
                              run->exit_code));
    }
    password = run->out;
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r'))
      password.pop_back();
  } else {
    std::ifstream in(source, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in) {
      return Fail(fmt::format("cannot read vault password file {}: {}", source,
                              std::strerror(errno)));
    }
    password = std::string(TrimRight(TrimLeft(content.str(), kEnvelopeSpace)));
  }
  if (password.empty()) {
    return Fail(fmt::format("invalid vault password: {} gave an empty one", source));
  }
  return password;
}

}  // namespace

bool IsVaulted(std::string_view text) { return TrimLeft(text, kEnvelopeSpace).starts_with(kHeader); }

Expected<std::string> Decrypt(std::string_view vault_text, const VaultSecrets& secrets,
                              std::string_view name_for_errors) {
  if (!IsVaulted(vault_text)) {
    return Fail(fmt::format("{} is not vault encrypted data", name_for_errors));
  }
  auto envelope = ParseEnvelope(vault_text, name_for_errors);
  if (!envelope) return std::unexpected(envelope.error());
  if (secrets.empty()) {
    return Fail(fmt::format(
        "Attempting to decrypt but no vault secrets found: {} is vault encrypted (use "
        "--vault-password-file, --vault-id or --ask-vault-pass)",
        name_for_errors));
  }
  // Secrets under the envelope's id go first; the id is only a hint (it is not
  // authenticated), so the others are tried after, as Ansible does.
  std::vector<const VaultSecret*> order;
  for (const auto& s : secrets)
    if (!envelope->vault_id.empty() && s.id == envelope->vault_id) order.push_back(&s);
  for (const auto& s : secrets)
    if (envelope->vault_id.empty() || s.id != envelope->vault_id) order.push_back(&s);
  for (const VaultSecret* s : order) {
    if (auto plain = TryDecrypt(*envelope, s->password)) return std::move(*plain);
  }
  return Fail(fmt::format("decryption failed (wrong vault password?) on {}", name_for_errors));
}

Expected<std::string> Encrypt(std::string_view plaintext, const VaultSecret& secret) {
  if (secret.password.empty()) return Fail("a vault password must be given to encrypt");
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), kSaltBytes) != 1) {
    return Fail("cannot get random bytes for the vault salt");
  }
  Keys keys = DeriveKeys(secret.password, salt);
  size_t pad = 16 - plaintext.size() % 16;
  std::string padded(plaintext);
  padded.append(pad, static_cast<char>(pad));
  std::string ciphertext = Ctr(keys, padded);
  OPENSSL_cleanse(padded.data(), padded.size());
  std::string mac = Hmac(keys, ciphertext);
  OPENSSL_cleanse(&keys, sizeof keys);
  std::string body = Hexlify(Hexlify(salt) + "\n" + Hexlify(mac) + "\n" + Hexlify(ciphertext));
  bool labelled = !secret.id.empty() && secret.id != "default";
  std::string out = labelled ? fmt::format("{};1.2;AES256;{}\n", kHeader, secret.id)
                             : fmt::format("{};1.1;AES256\n", kHeader);
  for (size_t i = 0; i < body.size(); i += 80) {
    out.append(body, i, 80);
    out += '\n';
  }
  return out;
}

Expected<VaultSecrets> LoadVaultSecrets(const VaultOptions& options) {
  VaultSecrets secrets;
  auto add = [&](const std::string& id, const std::string& source) -> Expected<void> {
    auto password = PasswordFromSource(id, source);
    if (!password) return std::unexpected(password.error());
    secrets.push_back({id, std::move(*password)});
    return {};
  };
  for (const auto& given : options.ids) {
    size_t at = given.find('@');
    std::string id = at == std::string::npos ? "default" : given.substr(0, at);
    std::string source = at == std::string::npos ? given : given.substr(at + 1);
    if (auto r = add(id, source); !r) return std::unexpected(r.error());
  }
  for (const auto& file : options.password_files) {
    if (auto r = add("default", file); !r) return std::unexpected(r.error());
  }
  if (options.ask) {
    if (auto r = add("default", "prompt"); !r) return std::unexpected(r.error());
  }
  return secrets;
}

Expected<std::string> DecryptIfVaulted(std::string text, const VaultSecrets& secrets,
                                       std::string_view name_for_errors) {
  if (!IsVaulted(text)) return text;
  auto plain = Decrypt(text, secrets, name_for_errors);
  if (plain) SecretRegistry::Global().Add(*plain);
  return plain;
}

Expected<void> DecryptVaultValues(Json& tree, const VaultSecrets& secrets,
                                  std::string_view name_for_errors) {
  if (tree.is_object()) {
    if (tree.size() == 1 && tree.contains("__ansible_vault") &&
        tree["__ansible_vault"].is_string()) {
      auto plain = Decrypt(tree["__ansible_vault"].get_ref<const std::string&>(), secrets,
                           name_for_errors);
      if (!plain) return std::unexpected(plain.error());
      SecretRegistry::Global().Add(*plain);
      tree = std::move(*plain);
      return {};
    }
    for (auto& [key, value] : tree.items()) {
      if (auto r = DecryptVaultValues(value, secrets, name_for_errors); !r) return r;
    }
  } else if (tree.is_array()) {
    for (auto& value : tree) {
      if (auto r = DecryptVaultValues(value, secrets, name_for_errors); !r) return r;
    }
  }
  return {};
}

SecretRegistry& SecretRegistry::Global() {
  static SecretRegistry registry;
  return registry;
}

void SecretRegistry::Add(std::string_view secret) {
  std::vector<std::string> found;
  std::string whole = std::string(TrimRight(TrimLeft(secret, kEnvelopeSpace)));
  if (!whole.empty()) found.push_back(whole);
  if (whole.find('\n') != std::string::npos) {
    std::stringstream lines(whole);
    for (std::string line; std::getline(lines, line);) {
      line = std::string(TrimRight(TrimLeft(line, kEnvelopeSpace)));
      if (line.size() >= 8) found.push_back(line);
    }
  }
  std::unique_lock lock(mutex_);
  for (auto& s : found) {
    if (std::find(secrets_.begin(), secrets_.end(), s) == secrets_.end()) {
      secrets_.push_back(std::move(s));
    }
  }
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretRegistry::Redact(std::string text) const {
  std::shared_lock lock(mutex_);
  for (const auto& secret : secrets_) {
    for (size_t at = text.find(secret); at != std::string::npos;
         at = text.find(secret, at + kRedacted.size())) {
      text.replace(at, secret.size(), kRedacted);
    }
  }
  return text;
}

Json SecretRegistry::RedactJson(const Json& value) const {
  if (empty()) return value;
  if (value.is_string()) return Redact(value.get<std::string>());
  if (value.is_array()) {
    Json out = Json::array();
    for (const auto& item : value) out.push_back(RedactJson(item));
    return out;
  }
  if (value.is_object()) {
    Json out = Json::object();
    for (const auto& [k, v] : value.items()) out[Redact(k)] = RedactJson(v);
    return out;
  }
  return value;
}

bool SecretRegistry::empty() const {
  std::shared_lock lock(mutex_);
  return secrets_.empty();
}

void SecretRegistry::ClearForTesting() {
  std::unique_lock lock(mutex_);
  secrets_.clear();
}

}  // namespace tend
