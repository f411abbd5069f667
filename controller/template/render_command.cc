#include <fmt/format.h>

#include "controller/cli/command.h"

namespace tend {

// Placeholder until this subcommand's issue lands.
CommandRunner SetupRenderCommand(CLI::App& sub) {
  (void)sub;
  return [] {
    fmt::print(stderr, "tend: this command is not available yet\n");
    return kExitError;
  };
}

}  // namespace tend
