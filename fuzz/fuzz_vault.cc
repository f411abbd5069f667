// The vault envelope. The first byte picks the mode: decrypt the rest as an
// envelope (header, hex, salt/MAC/ciphertext lines), or encrypt the rest and
// check that it decrypts back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "controller/vault/vault.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  // The seeds (tests/vault/) were made with this password, so mutations of
  // them reach the MAC check and the decryption behind it.
  const tend::VaultSecrets secrets = {{"default", "secret"}, {"dev", "pw"}};
  if (data[0] & 1) {
    auto plain = tend::Decrypt(text, secrets, "fuzz.yml");
    if (!plain) (void)plain.error().ToString();
    (void)tend::IsVaulted(text);
    return 0;
  }
  auto sealed = tend::Encrypt(text, secrets[(data[0] >> 1) & 1]);
  if (!sealed) std::abort();
  auto plain = tend::Decrypt(*sealed, secrets, "fuzz.yml");
  if (!plain || *plain != text) std::abort();
  return 0;
}
