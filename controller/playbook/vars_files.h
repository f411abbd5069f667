#pragma once

#include <string>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// `dir/stem.yml`, `dir/stem.yaml` or `dir/stem`, whichever exists first; "" if none.
std::string FirstExisting(const std::string& dir, const std::string& stem);

/// `vars:` as a mapping, or a list of mappings merged in order (later wins).
Json MergeVarsList(const Json& vars);

/// A role's defaults/, vars/ or meta/ file as a mapping. A missing file is an
/// empty mapping unless `required` (a `vars_from:` the user named).
Expected<Json> LoadVarsFile(const std::string& dir, const std::string& stem,
                            const Location& where, bool required);

}  // namespace tend
