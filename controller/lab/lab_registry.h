#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace tend::lab {

/// Host i (0-based) of a lab gets 127.0.<block>.<11+i>.
inline constexpr int kFirstHostOctet = 11;
inline constexpr int kMaxHosts = 254 - kFirstHostOctet + 1;
inline constexpr const char* kDefaultLab = "default";

Expected<void> ValidateLabName(std::string_view name);

/// The lab's host names: node1..nodeN for `count`, else `names` as given
/// (validated: hostname-safe, unique, at most kMaxHosts).
Expected<std::vector<std::string>> PlanHostNames(int count, const std::vector<std::string>& names);

/// Whether a lab with hosts `existing` may become `wanted` by `up`: it may
/// grow (-n 3, then -n 10: the same hosts first), never rename or drop hosts,
/// which someone may be using.
bool GrowsFrom(const std::vector<std::string>& existing, const std::vector<std::string>& wanted);

/// Which labs hold which address block (the third octet of 127.0.x.y).
using BlockTable = std::map<std::string, int, std::less<>>;

/// The block for `lab`: the one it already holds; 0 for the default lab (the
/// shared benchmark inventory expects its hosts on 127.0.0.11…); otherwise the
/// lowest free block from 1 to 255.
Expected<int> AllocateBlock(std::string_view lab, const BlockTable& taken);

std::string HostAddress(int block, size_t index);

/// registry.json in the state directory; read and written under its lock.
BlockTable ParseRegistry(std::string_view text);
std::string RenderRegistry(const BlockTable& table);

}  // namespace tend::lab
