#pragma once

#include <string>
#include <string_view>

namespace tend {

/// `text` safe in HTML text and attribute values, escaped as MarkupSafe
/// (Jinja's `escape` filter) does: & < > " '.
std::string HtmlEscape(std::string_view text);

}  // namespace tend
