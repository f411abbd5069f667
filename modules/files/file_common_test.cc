#include <doctest/doctest.h>

#include "core/hash.h"
#include "modules/files/file_common.h"
#include "modules/framework/registry.h"
#include "modules/testing/fake_host.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("ParseMode reads octal, ints and symbolic modes") {
  CHECK(ParseMode(Json("0644"), 0, false).value() == 0644);
  CHECK(ParseMode(Json("755"), 0, false).value() == 0755);
  CHECK(ParseMode(Json(493), 0, false).value() == 0755);
  CHECK(ParseMode(Json("u=rw,g=r,o=r"), 0777, false).value() == 0644);
  CHECK(ParseMode(Json("u+x"), 0644, false).value() == 0744);
  CHECK(ParseMode(Json("a-w"), 0664, false).value() == 0444);
  CHECK(ParseMode(Json("g=u"), 0640, false).value() == 0660);
  CHECK(ParseMode(Json("a+X"), 0644, true).value() == 0755);
  CHECK(ParseMode(Json("a+X"), 0644, false).value() == 0644);
  CHECK(ParseMode(Json("u=rwz"), 0, false).error().message ==
        "bad symbolic permission for mode: u=rwz");
}

}  // namespace
}  // namespace tend
