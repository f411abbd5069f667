#pragma once

#include <nlohmann/json.hpp>

namespace tend {
/// The value type everywhere: variables, module arguments, results, facts.
/// Ordered, because Ansible (Python dicts) keeps insertion order and users
/// see it in rendered templates and output.
using Json = nlohmann::ordered_json;
}  // namespace tend
