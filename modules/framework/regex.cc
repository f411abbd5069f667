#include "modules/framework/regex.h"

#include <fmt/format.h>

namespace tend {

Expected<Regex> CompilePythonRegex(std::string_view pattern, std::string_view argument,
                                   RegexFlags flags) {
  auto re = Regex::Compile(pattern, flags);
  if (!re) {
    return Fail(fmt::format("{} is not a valid regular expression: {}: {}", argument, pattern,
                            re.error().message));
  }
  return re;
}

}  // namespace tend
