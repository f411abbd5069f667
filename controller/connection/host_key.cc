#include "controller/connection/host_key.h"

#include <fmt/format.h>

namespace tend {

HostKeyDecision DecideHostKey(KnownHostState state, HostKeyChecking mode, const ServerKey& key) {
  switch (state) {
    case KnownHostState::kKnown:
      return {HostKeyAction::kAccept, ""};
    case KnownHostState::kChanged:
    case KnownHostState::kOtherType:
      // A changed key is refused whatever the mode: it is what an attacker
      // in the middle looks like (issue 3).
      return {HostKeyAction::kReject,
              fmt::format("host key for {} has CHANGED: the server offered {} {}, which does not "
                          "match {}; if the host was reinstalled, remove its old entry "
                          "(ssh-keygen -R) and try again",
                          key.host, key.type, key.fingerprint, key.known_hosts)};
    case KnownHostState::kUnknown:
    case KnownHostState::kNoFile:
      if (mode == HostKeyChecking::kOff) return {HostKeyAction::kAccept, ""};
      if (mode == HostKeyChecking::kAcceptNew) return {HostKeyAction::kRecord, ""};
      return {HostKeyAction::kReject,
              fmt::format("host key for {} is unknown: the server offered {} {}, which is not in "
                          "{}; verify it and add it, or use --host-key-checking=accept-new",
                          key.host, key.type, key.fingerprint, key.known_hosts)};
    case KnownHostState::kError:
      break;
  }
  if (mode == HostKeyChecking::kOff) return {HostKeyAction::kAccept, ""};
  return {HostKeyAction::kReject, fmt::format("cannot read known_hosts {} to check the key of {}",
                                              key.known_hosts, key.host)};
}

}  // namespace tend
