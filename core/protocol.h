#pragma once

// Messages between controller and agent (DESIGN.md, "The protocol"). Each is
// one kJson frame. The agent speaks first with a hello; then the controller
// sends requests and the agent answers each with a reply carrying the same id.
//
//   hello   {"type":"hello","protocol":1,"agent_version":"0.1.0",
//            "modules":["command",...],"facts":{...cheap facts...}}
//   request {"id":7,"op":"run","module":"command","args":{...},
//            "check":false,"diff":false}
//           op is one of: run, facts, stat, put, bye
//   reply   {"id":7,"changed":false,"failed":false,"msg":"", ...module fields}
//
// File content never travels inside JSON: a request that needs it is answered
// with {"id":7,"need_content":true}; the controller then streams kData frames
// and one kEnd frame, and the agent sends the final reply.

#include <string_view>

namespace tend::protocol {

inline constexpr int kVersion = 1;

inline constexpr std::string_view kOpRun = "run";
inline constexpr std::string_view kOpFacts = "facts";
inline constexpr std::string_view kOpStat = "stat";
inline constexpr std::string_view kOpPut = "put";
inline constexpr std::string_view kOpBye = "bye";

}  // namespace tend::protocol
