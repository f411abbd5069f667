#include "core/json_object.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("ObjectBuilder keeps first-seen order and last values, small or large") {
  for (int n : {3, 40}) {
    CAPTURE(n);
    ObjectBuilder b;
    for (int i = 0; i < n; ++i) CHECK(b.Set("k" + std::to_string(i), i));
    CHECK_FALSE(b.Set("k1", "again"));
    CHECK(b.Contains("k2"));
    CHECK_FALSE(b.Contains("nope"));
    Json out = b.Take();
    CHECK(out.size() == static_cast<size_t>(n));
    CHECK(out.begin().key() == "k0");
    CHECK(out["k1"] == "again");
    CHECK(b.Take() == Json::object());
  }
}

TEST_CASE("MergeObject sets every key of the source, later values winning") {
  Json target = {{"a", 1}, {"b", 2}};
  Json source = Json::object();
  for (int i = 0; i < 30; ++i) source["s" + std::to_string(i)] = i;
  source["a"] = "new";
  MergeObject(target, source);
  CHECK(target.size() == 32);
  CHECK(target.begin().key() == "a");
  CHECK(target["a"] == "new");
  CHECK(target["s29"] == 29);
  MergeObject(target, Json{{"b", 3}});
  CHECK(target["b"] == 3);
}

}  // namespace tend
