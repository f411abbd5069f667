#include "core/html.h"

#include <doctest/doctest.h>

namespace tend {

TEST_CASE("HtmlEscape escapes as MarkupSafe does") {
  CHECK(HtmlEscape(R"(<a href="x">Tom & 'Jerry'</a>)") ==
        "&lt;a href=&#34;x&#34;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  CHECK(HtmlEscape("plain") == "plain");
}

}  // namespace tend
