#pragma once

// Shared by the fact collectors' files: the Add*Facts functions the
// collector table names, and small text helpers.

#include <string>
#include <string_view>
#include <vector>

#include "modules/system/facts.h"

namespace tend::facts {

std::vector<std::string> Lines(std::string_view content);
std::vector<std::string> Words(std::string_view line);
/// Pieces between each `sep` (empty pieces kept, as Python's str.split(sep)).
std::vector<std::string> SplitString(std::string_view text, char sep);
/// Python's str.split(sep, 1) halves, trimmed; nullopt without `sep`.
std::optional<std::pair<std::string, std::string>> SplitOnce(std::string_view line, char sep);

/// Where the dynamic loader finds libselinux.so.1 on Debian and Red Hat
/// layouts (Ansible's selinux bindings load it).
const std::vector<std::string>& SelinuxLibraryPaths();

// System collectors (facts_system.cc).
void AddPlatformFacts(const FactSources& s, Json& f);
void AddDistributionFacts(const FactSources& s, Json& f);
void AddLsbFacts(const FactSources& s, Json& f);
void AddSelinuxFacts(const FactSources& s, Json& f);
void AddApparmorFacts(const FactSources& s, Json& f);
void AddChrootFacts(const FactSources& s, Json& f);
void AddFipsFacts(const FactSources& s, Json& f);
void AddPythonFacts(const FactSources& s, Json& f);
void AddCapsFacts(const FactSources& s, Json& f);
void AddPkgMgrFacts(const FactSources& s, Json& f);
void AddServiceMgrFacts(const FactSources& s, Json& f);
void AddCmdlineFacts(const FactSources& s, Json& f);
void AddDateTimeFacts(const FactSources& s, Json& f);
void AddEnvFacts(const FactSources& s, Json& f);
void AddLoadavgFacts(const FactSources& s, Json& f);
void AddSshPubKeyFacts(const FactSources& s, Json& f);
void AddUserFacts(const FactSources& s, Json& f);
void AddDnsFacts(const FactSources& s, Json& f);
void AddLocalFacts(const FactSources& s, Json& f);

// Virtualisation (facts_virtual.cc), hardware (facts_hardware.cc),
// network (facts_network.cc).
void AddVirtualFacts(const FactSources& s, Json& f);
void AddHardwareFacts(const FactSources& s, Json& f);
void AddNetworkFacts(const FactSources& s, Json& f);
void AddFibreChannelFacts(const FactSources& s, Json& f);
void AddIscsiFacts(const FactSources& s, Json& f);
void AddNvmeFacts(const FactSources& s, Json& f);

}  // namespace tend::facts
