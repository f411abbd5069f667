#include "modules/system/shadow_tool.h"

#include <fmt/format.h>

#include "modules/framework/text.h"

namespace tend {

Expected<ProcessResult> RunShadowTool(Host& host, std::vector<std::string> argv) {
  std::string name = argv[0];
  auto ran = host.Run({.argv = std::move(argv), .stdin_data = {}, .cwd = {}, .env = {}});
  if (!ran) return ran;
  if (ran->rc != 0) {
    return Fail(fmt::format("{} failed (rc={}): {}", name, ran->rc,
                            StripTrailingNewlines(ran->stderr_data)));
  }
  return ran;
}

}  // namespace tend
