#pragma once

// The ad-hoc side of `tend run` and `tend facts`: choosing hosts, parsing -a,
// and printing results the way `ansible`'s minimal and oneline callbacks do.

#include <string>
#include <vector>

#include "controller/vault/vault.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

struct SelectedHost {
  std::string name;
  Json vars = Json::object();
};

/// Hosts matching `pattern` from the -i sources, in inventory order, with
/// their inventory vars.
Expected<std::vector<SelectedHost>> SelectHosts(const std::vector<std::string>& sources,
                                                const std::string& pattern,
                                                const std::string& limit,
                                                const VaultSecrets* secrets = nullptr);

/// -a text to module args (a JSON object, or ParseFreeFormArgs's k=v and free form).
Expected<Json> ParseAdhocArgs(const std::string& module, const std::string& text);
/// ParseAdhocArgs, then the module's spec (ValidateModuleArgs), before connecting.
Expected<Json> PrepareModuleArgs(const std::string& module, const std::string& text);

enum class HostStatus { kOk, kChanged, kFailed, kUnreachable, kSkipped };

HostStatus StatusOf(const Json& result);

/// One host's result as `ansible` prints it: "h | CHANGED | rc=0 >>\n..." for
/// command/shell/raw, "h | SUCCESS => {...}" otherwise; `oneline` as -o.
std::string FormatAdhocResult(const std::string& host, const std::string& module,
                              const Json& result, bool oneline);

/// Exit code from the statuses (docs/ansible-compat.md: 4 unreachable wins over 2 failed).
int AdhocExitCode(const std::vector<HostStatus>& statuses);

}  // namespace tend
