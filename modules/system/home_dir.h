#pragma once

// A user's home directory made the way useradd -m makes it, for an account
// that exists without one (Ansible's user module recreates a missing home).

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "modules/host/host.h"

namespace tend {

/// The UMASK line of /etc/login.defs (`UMASK 022`), which useradd applies to
/// a new home; none when the file has no such line.
std::optional<uint32_t> LoginDefsUmask(std::string_view login_defs);

/// Creates `home` (and missing parents) as a copy of `skeleton` when that
/// exists, else empty; its mode is 0777 minus login.defs' UMASK when set,
/// and it and everything copied into it belong to uid:gid.
Expected<void> CreateHomeDir(Host& host, const std::string& home, uid_t uid, gid_t gid,
                             const std::string& skeleton = "/etc/skel");

}  // namespace tend
