#pragma once

// The JSON fact cache written by `tend facts --fact-cache DIR` and read by the
// playbook engine: one file per host, DIR/<inventory hostname>, holding the
// facts object (the `ansible_facts` of `setup`, keys with their ansible_
// prefix), like Ansible's jsonfile cache plugin.

#include <optional>
#include <string>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// The host's cached facts if the file exists, parses, and is younger than
/// ttl_seconds (0 = never expires); nothing otherwise.
std::optional<Json> ReadCachedFacts(const std::string& dir, const std::string& host,
                                    long ttl_seconds);
/// Writes atomically (temp file + rename), creating DIR if needed.
Expected<void> WriteCachedFacts(const std::string& dir, const std::string& host, const Json& facts);

}  // namespace tend
