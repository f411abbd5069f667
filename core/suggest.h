#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tend {

/// Levenshtein distance, for "did you mean" hints.
size_t EditDistance(std::string_view a, std::string_view b);

/// The closest candidate within a small distance, or nothing.
std::string Suggest(std::string_view given, const std::vector<std::string>& candidates);

/// ", did you mean 'x'?" or "" — ready to append to an error message.
std::string SuggestionSuffix(std::string_view given, const std::vector<std::string>& candidates);

}  // namespace tend
