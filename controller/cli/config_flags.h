#pragma once

// ansible.cfg and ANSIBLE_* as the command line's defaults. Scalars become
// the flags' defaults before parsing, so a flag given on the command line
// wins; lists (inventory, roles_path, vault ids and password files) are
// merged after parsing, as Ansible merges them.

#include <memory>
#include <string_view>

#include "controller/cli/connection_flags.h"
#include "controller/cli/play_command.h"
#include "controller/config/ansible_config.h"
#include "controller/pymodule/python_modules.h"
#include "controller/vault/vault.h"

namespace tend {

/// The process's configuration, loaded once.
const Expected<AnsibleConfig>& CliConfig();

/// Prints the configuration's warnings (once per process) and returns true,
/// or prints its error and returns false (the command then exits 5).
bool ReportConfig();

/// The connection and become defaults (-u, --private-key, -c, -T,
/// --host-key-checking, -k, -b, --become-user, --become-method, -K) and the
/// SSH port the config sets.
void ApplyConfigDefaults(const AnsibleConfig& config, ConnectionFlags& flags);
/// The above, plus -f, --fact-cache, --color and gathering.
void ApplyConfigDefaults(const AnsibleConfig& config, PlayFlags& flags);

/// Inventory sources when -i is not given.
std::vector<std::string> ConfigInventory(const AnsibleConfig& config,
                                         const std::vector<std::string>& given);
/// --vault-id after the config's identity list, the config's password file
/// after --vault-password-file, and -J from ask_vault_pass.
VaultOptions WithConfigVault(const AnsibleConfig& config, VaultOptions given);
/// --roles-path, then the config's roles_path.
std::vector<std::string> ConfigRolesPath(const AnsibleConfig& config,
                                         const std::vector<std::string>& given);

/// Ansible's module code on this machine (modules tend has no native one
/// of), with the config's collections_path; `tend play`, `tend run` and
/// `tend doc` all look there.
std::shared_ptr<PythonModules> MachinePythonModules();
/// The files MachinePythonModules reads.
const CodeTree& MachineCodeTree();

}  // namespace tend
