#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace tend {

/// Runs a parsed subcommand; returns the process exit code (docs/ansible-compat.md).
using CommandRunner = std::function<int()>;

/// One row of the subcommand table: `setup` adds the subcommand's options to
/// `sub` (bound to state it owns) and returns what to run once parsing is done.
struct CommandRegistration {
  const char* name;
  const char* summary;
  CommandRunner (*setup)(CLI::App& sub);
};

/// Exit codes shared by every subcommand (docs/ansible-compat.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitHostFailed = 2;
inline constexpr int kExitUnreachable = 4;
inline constexpr int kExitBadOptions = 5;
inline constexpr int kExitInterrupted = 99;
inline constexpr int kExitInternal = 250;

// The subcommands, one file each in this folder (<name>_command.cc).
CommandRunner SetupLabCommand(CLI::App& sub);
CommandRunner SetupRenderCommand(CLI::App& sub);
CommandRunner SetupVaultCommand(CLI::App& sub);
CommandRunner SetupInventoryCommand(CLI::App& sub);
CommandRunner SetupRunCommand(CLI::App& sub);
CommandRunner SetupFactsCommand(CLI::App& sub);
CommandRunner SetupPlayCommand(CLI::App& sub);
CommandRunner SetupBootstrapCommand(CLI::App& sub);
CommandRunner SetupConfigCommand(CLI::App& sub);
CommandRunner SetupHistoryCommand(CLI::App& sub);
CommandRunner SetupHostsCommand(CLI::App& sub);
CommandRunner SetupReportCommand(CLI::App& sub);
CommandRunner SetupDocCommand(CLI::App& sub);

}  // namespace tend
