#include "core/suggest.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("suggestions pick the closest name within reach") {
  std::vector<std::string> names = {"play", "run", "facts", "inventory", "lineinfile"};
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(Suggest("paly", names) == "play");
  CHECK(Suggest("lineinfle", names) == "lineinfile");
  CHECK(Suggest("zzzzzz", names).empty());
  CHECK(SuggestionSuffix("invntory", names) == ", did you mean 'inventory'?");
}

}  // namespace tend
