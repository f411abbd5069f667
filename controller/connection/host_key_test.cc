#include "controller/connection/host_key.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("host key decisions: every state under every mode") {
  ServerKey key{"[127.0.0.5]:22", "ssh-ed25519", "SHA256:abc", "/kh"};
  using S = KnownHostState;
  using M = HostKeyChecking;
  using A = HostKeyAction;
  struct Case {
    S state;
    M mode;
    A action;
  };
  const Case cases[] = {
      {S::kKnown, M::kStrict, A::kAccept},      {S::kKnown, M::kOff, A::kAccept},
      {S::kUnknown, M::kStrict, A::kReject},    {S::kUnknown, M::kAcceptNew, A::kRecord},
      {S::kUnknown, M::kOff, A::kAccept},       {S::kNoFile, M::kStrict, A::kReject},
      {S::kNoFile, M::kAcceptNew, A::kRecord},  {S::kChanged, M::kStrict, A::kReject},
      {S::kChanged, M::kAcceptNew, A::kReject}, {S::kChanged, M::kOff, A::kReject},
      {S::kOtherType, M::kOff, A::kReject},     {S::kError, M::kStrict, A::kReject},
  };
  for (const auto& c : cases) {
    CAPTURE(static_cast<int>(c.state));
    CAPTURE(static_cast<int>(c.mode));
    CHECK(DecideHostKey(c.state, c.mode, key).action == c.action);
  }
}

TEST_CASE("host key messages name host, key type and fingerprint") {
  ServerKey key{"[127.0.0.5]:2222", "ssh-ed25519", "SHA256:Zm9v", "/root/.ssh/known_hosts"};
  CHECK(DecideHostKey(KnownHostState::kUnknown, HostKeyChecking::kStrict, key).message ==
        "host key for [127.0.0.5]:2222 is unknown: the server offered ssh-ed25519 SHA256:Zm9v, "
        "which is not in /root/.ssh/known_hosts; verify it and add it, or use "
        "--host-key-checking=accept-new");
  CHECK(DecideHostKey(KnownHostState::kChanged, HostKeyChecking::kOff, key).message ==
        "host key for [127.0.0.5]:2222 has CHANGED: the server offered ssh-ed25519 SHA256:Zm9v, "
        "which does not match /root/.ssh/known_hosts; if the host was reinstalled, remove its "
        "old entry (ssh-keygen -R) and try again");
}

}  // namespace tend
