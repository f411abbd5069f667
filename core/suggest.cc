#include "core/suggest.h"

#include <algorithm>
#include <numeric>

namespace tend {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Suggest(std::string_view given, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, given.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(given, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string SuggestionSuffix(std::string_view given, const std::vector<std::string>& candidates) {
  std::string s = Suggest(given, candidates);
  return s.empty() ? "" : ", did you mean '" + s + "'?";
}

}  // namespace tend
