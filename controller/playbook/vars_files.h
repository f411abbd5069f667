#pragma once

#include <string>

#include "core/error.h"
#include "core/json.h"
#include "controller/vault/vault.h"

namespace tend {

/// `dir/stem.yml`, `dir/stem.yaml` or `dir/stem`, whichever exists first; "" if none.
std::string FirstExisting(const std::string& dir, const std::string& stem);

/// `vars:` as a mapping, or a list of mappings merged in order (later wins).
Json MergeVarsList(const Json& vars);

/// A vars file (vars_files, include_vars) as YAML, decrypted first when the
/// whole file is vaulted; its values are then secrets that output hides.
/// Null for an empty file. A vaulted file without a password is a located
/// error, as in Ansible.
Expected<Json> ReadVarsFile(const std::string& path, const VaultSecrets& secrets);

/// A role's defaults/, vars/ or meta/ file as a mapping. A missing file is an
/// empty mapping unless `required` (a `vars_from:` the user named).
Expected<Json> LoadVarsFile(const std::string& dir, const std::string& stem,
                            const Location& where, bool required);

}  // namespace tend
