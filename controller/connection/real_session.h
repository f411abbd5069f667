#pragma once

// The real SessionFactory: SSH (libssh) or local processes, with the agent
// deployed to each host on first use.

#include <memory>
#include <string>

#include "controller/connection/host_session.h"
#include "core/error.h"

namespace tend {

struct RealSessionOptions {
  std::string agent_path;  // empty = FindAgentBinary()
  bool verbose = false;    // log connects and agent uploads to stderr
};
std::unique_ptr<SessionFactory> MakeRealSessionFactory(RealSessionOptions options = {});

/// The agent binary: $TEND_AGENT_PATH, else ../../agent/tend-agent beside the
/// running controller (build tree), else /usr/lib/tend/tend-agent.
Expected<std::string> FindAgentBinary();

}  // namespace tend
