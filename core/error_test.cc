#include "core/error.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("error text names the location and shows the caret") {
  Error e{"unexpected '}'", {"site.yml", 3, 7}, CaretSnippet("a\nb\nfoo: }}\n", 3, 7)};
  CHECK(e.ToString() == "site.yml:3:7: unexpected '}'\n    foo: }}\n          ^");
}

TEST_CASE("location prints only what is known") {
  CHECK(Location{"f", 0, 0}.ToString() == "f");
  CHECK(Location{"f", 2, 0}.ToString() == "f:2");
  CHECK(Error{"boom", {}, {}}.ToString() == "boom");
}

}  // namespace tend
