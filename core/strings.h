#pragma once

#include <string>
#include <string_view>
#include <vector>

// Small string helpers both binaries use; nothing here allocates more than its result.

namespace tend {

/// What isspace() accepts in the C locale.
inline constexpr std::string_view kWhitespace = " \t\n\v\f\r";

/// `s` without the leading and trailing characters found in `chars`.
std::string_view Trim(std::string_view s, std::string_view chars = kWhitespace);
std::string_view TrimLeft(std::string_view s, std::string_view chars = kWhitespace);
std::string_view TrimRight(std::string_view s, std::string_view chars = kWhitespace);

/// The items with `separator` between each two: Python's separator.join(items).
std::string Join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace tend
