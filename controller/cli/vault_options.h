#pragma once

#include <CLI/CLI.hpp>

#include "controller/vault/vault.h"

namespace tend {

/// Adds --vault-password-file, --ask-vault-pass and --vault-id (each repeatable).
void AddVaultOptions(CLI::App& app, VaultOptions& options);

}  // namespace tend
