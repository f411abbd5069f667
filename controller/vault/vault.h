#pragma once

#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// One vault password and the id it was given under ("default" when none).
struct VaultSecret {
  std::string id = "default";
  std::string password;
};

/// Passwords to try, in the order given on the command line.
using VaultSecrets = std::vector<VaultSecret>;

/// The vault options every command shares (`tend play`, `tend run`, `tend vault`,
/// `tend inventory`), as given; LoadVaultSecrets() turns them into passwords.
struct VaultOptions {
  std::vector<std::string> password_files;  ///< --vault-password-file (file or executable)
  bool ask = false;                         ///< --ask-vault-pass
  std::vector<std::string> ids;             ///< --vault-id label@source, source@prompt too
};

/// The placeholder every reporter prints instead of a decrypted vault value.
inline constexpr std::string_view kRedacted = "********";

/// True when `text` starts with a `$ANSIBLE_VAULT;` header (leading space ignored).
bool IsVaulted(std::string_view text);

/// Decrypts an ansible-vault 1.1 or 1.2 envelope. Secrets whose id matches a 1.2
/// header are tried first, then the others. The MAC is checked before anything
/// is decrypted. Errors name `name_for_errors` (a file, or a variable).
Expected<std::string> Decrypt(std::string_view vault_text, const VaultSecrets& secrets,
                              std::string_view name_for_errors);

/// Encrypts `plaintext`; id "default" (or empty) writes a 1.1 header, any other
/// id a 1.2 header naming it. The result ends with a newline.
Expected<std::string> Encrypt(std::string_view plaintext, const VaultSecret& secret);

/// Reads the password sources: files (trailing newline stripped), executables
/// (run, stdout taken; `--vault-id` scripts get `--vault-id label`), prompts.
/// No option at all gives an empty list, not an error.
Expected<VaultSecrets> LoadVaultSecrets(const VaultOptions& options);

/// Replaces every {"__ansible_vault": text} inside `tree` (what controller/yaml
/// makes of `!vault` scalars) with its plaintext string, and registers each
/// plaintext with SecretRegistry. Without secrets a vaulted value is an error
/// naming `name_for_errors`.
Expected<void> DecryptVaultValues(Json& tree, const VaultSecrets& secrets,
                                  std::string_view name_for_errors);

/// Decrypts `text` if it is a vault envelope (registering the plaintext),
/// otherwise returns it unchanged; for vaulted vars files, vars_files, copy src.
Expected<std::string> DecryptIfVaulted(std::string text, const VaultSecrets& secrets,
                                       std::string_view name_for_errors);

/// Every plaintext this process decrypted, so output can hide them. Thread-safe.
class SecretRegistry {
 public:
  static SecretRegistry& Global();

  /// Remembers a secret (empty ones are ignored); multi-line secrets also
  /// register their longer lines so partial prints are hidden too.
  void Add(std::string_view secret);
  /// `text` with every registered secret replaced by kRedacted.
  std::string Redact(std::string text) const;
  /// Redacts every string (keys too) inside a JSON value.
  Json RedactJson(const Json& value) const;
  bool empty() const;
  void ClearForTesting();

 private:
  mutable std::shared_mutex mutex_;
  std::vector<std::string> secrets_;  // longest first, so overlaps redact whole
};

}  // namespace tend
