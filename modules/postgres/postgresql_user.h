#pragma once

// postgresql_user's decision logic, apart from psql so tests drive it with
// pg_roles rows as JSON.

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

struct RoleRequest {
  std::string name;
  std::optional<std::string> password{};
  std::string role_attr_flags{};
  bool no_password_changes = false;
  std::optional<std::string> expires{};
  std::optional<int64_t> conn_limit{};
  std::vector<std::string> groups{};
  std::optional<std::string> comment{};
};

struct RolePlan {
  std::vector<std::string> statements;  // to run (may hold the password literal)
  std::vector<std::string> shown;       // the same for results: %(password)s instead
};

/// The statements that bring the role (`current`: a pg_roles + rolpassword
/// row, or nothing) to `want`. `same_expiry`: whether the server found the
/// stored VALID UNTIL equal to want.expires.
Expected<RolePlan> PlanRole(const RoleRequest& want, const std::optional<Json>& current,
                            std::optional<bool> same_expiry);

/// postgresql_privs: whether `current` grants (rows {obj, grantee, priv,
/// grantable} from aclexplode) already hold (present) or lack (absent)
/// every obj x role x priv; with grant_option, held grants must be grantable.
bool PrivilegesSatisfied(const Json& current, const std::vector<std::string>& objs,
                         const std::vector<std::string>& roles, const std::vector<std::string>& privs,
                         bool present, bool grant_option);

}  // namespace tend
