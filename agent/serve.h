#pragma once

#include "core/json.h"
#include "core/protocol.h"
#include "modules/host/host.h"

namespace tend {

/// Speaks the protocol (core/protocol.h) on `stream`: the hello first, then
/// one request at a time until `bye` or the end of the stream. A module that
/// fails or throws becomes a failed reply; only a broken stream ends the loop
/// early. Returns the process exit code (0 after bye or a clean close).
int Serve(protocol::ByteStream& stream, Host& host);

/// The facts sent with the hello: cheap ones only (no /proc walks).
Json HelloFacts(Host& host);

/// Handles one request; `channel` is used for need_content. Exposed for tests.
Json HandleRequest(const protocol::Request& request, protocol::FrameChannel& channel, Host& host);

}  // namespace tend
