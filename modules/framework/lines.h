#pragma once

// Lines with their own endings, for the modules that edit text by lines
// (lineinfile, blockinfile). Tested in text_test.cc.

#include <string>
#include <string_view>
#include <vector>

namespace tend {

/// Lines split after each "\n", each keeping its end ("\r\n" too); the last
/// one may have none.
std::vector<std::string> SplitKeepEnds(std::string_view text);

}  // namespace tend
