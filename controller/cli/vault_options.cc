#include "controller/cli/vault_options.h"

namespace tend {

void AddVaultOptions(CLI::App& app, VaultOptions& options) {
  app.add_option("--vault-password-file,--vault-pass-file", options.password_files,
                 "File (or executable) holding the vault password")
      ->type_name("FILE")
      ->allow_extra_args(false);
  app.add_flag("-J,--ask-vault-pass,--ask-vault-password", options.ask,
               "Prompt for the vault password");
  app.add_option("--vault-id", options.ids, "Vault id and password source: label@source")
      ->type_name("ID")
      ->allow_extra_args(false);
}

}  // namespace tend
