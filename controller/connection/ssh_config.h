#pragma once

// Pure parsers for the OpenSSH settings tend honours: ~/.ssh/config (Host
// blocks: HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile,
// StrictHostKeyChecking) and the options inventories put in
// ansible_ssh_common_args ("-o Key=Value", -F, -J, -p, -l, -i).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/connection/connection_options.h"
#include "core/error.h"

namespace tend {

/// The settings one host gets; unset = not configured.
struct SshSettings {
  std::optional<std::string> hostname;
  std::optional<std::string> user;
  std::optional<int> port;
  std::vector<std::string> identity_files;
  std::optional<std::string> proxy_jump;
  std::optional<std::string> known_hosts;
  std::optional<HostKeyChecking> host_key_checking;
  std::optional<int> server_alive_interval;
  std::optional<int> server_alive_count_max;
  std::optional<std::string> config_file;  // -F (command-line only)
};

struct SshConfigBlock {
  std::vector<std::string> patterns;                         // "Host" patterns; "!x" negates
  std::vector<std::pair<std::string, std::string>> options;  // lower-case key, value
  int line = 0;
};

/// Parses an ssh_config text. Unknown keywords are kept and ignored; Match
/// blocks are skipped (never apply). Errors name file:line.
Expected<std::vector<SshConfigBlock>> ParseSshConfig(std::string_view text,
                                                     const std::string& file);

/// OpenSSH's rule: for each option the first value from a matching block wins;
/// IdentityFile accumulates. `home` expands ~ and %d; %h is the host, %u the
/// local user, %r the remote user when known.
SshSettings ResolveSshConfig(const std::vector<SshConfigBlock>& blocks, const std::string& host,
                             const std::string& home);

/// True when `host` matches an ssh_config pattern list ("*.example.com !bastion").
bool SshHostMatches(const std::vector<std::string>& patterns, const std::string& host);

/// Parses ansible_ssh_common_args / ansible_ssh_extra_args.
Expected<SshSettings> ParseSshArgs(std::string_view args);

/// Splits like a POSIX shell word splitter (quotes and backslashes; no expansion).
Expected<std::vector<std::string>> ShellSplit(std::string_view text);

/// Quotes `word` for a POSIX shell ('...' with embedded quotes escaped).
std::string SingleQuote(std::string_view word);

}  // namespace tend
