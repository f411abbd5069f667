#pragma once

// Pure helpers of the network, pip and PostgreSQL modules (tested
// table-driven in netpg_test.cc).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// The whitespace-separated fields of one line (awk's $1, $2, ...).
std::vector<std::string_view> SplitFields(std::string_view line);

/// Connections on local `port` in one of `states` ("ESTABLISHED", ...),
/// from /proc/net/tcp or /proc/net/tcp6 content (for wait_for state=drained).
int CountActiveConnections(std::string_view proc_net_tcp, int port,
                           const std::vector<std::string>& states = {});

/// One pip requirement as a task names it: "mlflow==2.9.2", "psycopg2-binary>=2.9",
/// "requests". `name` is normalised (PEP 503: lower case, runs of -_. as -).
struct PipRequirement {
  std::string text;  // as given
  std::string name;
  std::string op;       // "==", ">=", "<=", "!=", "~=", ">", "<", "===" or ""
  std::string version;  // with op; "" when none
};

std::string NormalizePipName(std::string_view name);
Expected<PipRequirement> ParsePipRequirement(std::string_view text);

/// Installed distributions from `pip list --format=json` (normalised name -> version).
Expected<std::map<std::string, std::string>> ParsePipList(std::string_view json_text);

/// Whether an installed version satisfies `op version` (PEP 440 ordering on
/// numeric release segments; enough for pins and lower bounds).
bool VersionSatisfies(std::string_view installed, std::string_view op, std::string_view wanted);

/// PostgreSQL quoting: an identifier in double quotes (embedded quotes
/// doubled), a literal in single quotes (E'' with backslashes doubled when
/// it contains a backslash).
std::string QuoteIdent(std::string_view name);
std::string QuoteLiteral(std::string_view value);
/// "schema.table" quoted part by part.
std::string QuoteQualified(std::string_view dotted);

/// Substitutes psycopg2-style parameters: %s from `positional`, %(name)s from
/// `named`, %% as %. Values become literals (NULL, numbers, booleans bare).
Expected<std::string> BindQueryParams(std::string_view query, const Json& positional,
                                      const Json& named);

/// The password PostgreSQL stores for `password` given as plain text or
/// already hashed ("md5..." or "SCRAM-SHA-256$..."): whether the stored
/// `rolpassword` already corresponds to it. SCRAM hashes of plain text carry
/// a random salt, so a plain password is checked against a SCRAM verifier by
/// recomputing with the stored salt and iteration count.
bool PasswordMatches(std::string_view stored, std::string_view user, std::string_view password);

/// "md5" + md5(password + user), as PostgreSQL stores md5 passwords.
std::string Md5Password(std::string_view user, std::string_view password);

/// role_attr_flags ("CREATEDB,NOSUPERUSER", "LOGIN") as attribute -> wanted,
/// keyed by pg_roles column (rolcreatedb, rolsuper, ...).
Expected<std::map<std::string, bool>> ParseRoleAttrFlags(std::string_view flags);

}  // namespace tend
