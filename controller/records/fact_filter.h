#pragma once

// `tend hosts --where 'ansible_distribution_version < "12"'`: one comparison
// of a fact (a dotted path into the facts) with a literal.

#include <string>

#include "core/error.h"
#include "core/json.h"

namespace tend {

struct FactFilter {
  std::string fact;  // "ansible_default_ipv4.address"
  std::string op;    // == != < <= > >=
  Json value;        // a string or a number
};

/// Parses `NAME OP VALUE`; VALUE is a quoted string, a number or a bare word.
Expected<FactFilter> ParseFactFilter(const std::string& text);

/// The fact `path` names in `facts` (also found without its "ansible_"
/// prefix, as playbooks see facts), or null.
Json FactAt(const Json& facts, const std::string& path);

/// Whether `facts` pass. Versions ("11.9" < "12") and numbers compare by
/// value, other strings as text; a missing fact passes only `!=`.
bool Matches(const FactFilter& filter, const Json& facts);

}  // namespace tend
