#pragma once

// Options shared by `tend run` and `tend facts`, and the loop that opens one
// session per host (at most -f at a time) and prints each result as it comes.

#include <CLI/CLI.hpp>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "controller/cli/adhoc.h"
#include "controller/cli/connection_flags.h"
#include "controller/connection/host_session.h"

namespace tend {

struct AdhocFlags {
  std::string pattern;
  std::vector<std::string> inventory;
  std::string limit;
  int forks = 5;
  ConnectionFlags connection;
  bool verbose = false;
  VaultOptions vault;
};

void AddAdhocOptions(CLI::App& app, AdhocFlags& flags);

/// Hosts and targets from the flags; prompts for -k / -K. Errors are bad
/// options. `vars`, when given, receives each host's inventory vars.
Expected<std::vector<HostTarget>> AdhocTargets(const AdhocFlags& flags,
                                               std::map<std::string, Json>* vars = nullptr);

/// Opens each host's session and calls `work` with it (or the error that
/// made it unreachable); results are printed in completion order.
using HostWork = std::function<Json(const HostTarget&, const Expected<HostSession*>&)>;
int RunOnHosts(const AdhocFlags& flags, const std::vector<HostTarget>& targets,
               SessionFactory& factory, const HostWork& work,
               const std::function<std::string(const HostTarget&, const Json&)>& format);

}  // namespace tend
