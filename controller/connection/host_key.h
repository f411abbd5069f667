#pragma once

// What to do with the key a server offers, given what known_hosts says and
// the --host-key-checking mode. Pure, so every combination is unit-tested.

#include <string>

#include "controller/connection/connection_options.h"

namespace tend {

enum class KnownHostState { kKnown, kUnknown, kChanged, kOtherType, kNoFile, kError };

struct ServerKey {
  std::string host;         // as connected: "127.0.0.2" or "[127.0.0.2]:2222"
  std::string type;         // "ssh-ed25519"
  std::string fingerprint;  // "SHA256:..."
  std::string known_hosts;  // the file consulted
};

enum class HostKeyAction { kAccept, kRecord, kReject };

struct HostKeyDecision {
  HostKeyAction action = HostKeyAction::kReject;
  std::string message;  // why, for kReject
};

HostKeyDecision DecideHostKey(KnownHostState state, HostKeyChecking mode, const ServerKey& key);

}  // namespace tend
