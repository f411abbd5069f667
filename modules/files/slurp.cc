#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/host/http_client.h"

namespace tend {

const ModuleSpec& SlurpSpec() {
  static const ModuleSpec spec{
      .name = "slurp",
      .short_description = "Slurps a file from remote nodes",
      .args = {{.name = "src", .type = ArgType::kPath, .required = true, .aliases = {"path"}}},
      .returns = {"content", "encoding", "source"},
  };
  return spec;
}

Expected<Json> RunSlurp(ModuleContext& context) {
  Host& host = context.Machine();
  std::string src = ExpandUser(host, context.Str("src"));
  auto info = host.Stat(src);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) return Fail(fmt::format("file not found: {}", src));
  if (info->kind == FileKind::kDirectory) {
    return Fail(fmt::format("source is a directory and must be a file: {}", src));
  }
  auto content = host.ReadFile(src);
  if (!content) return std::unexpected(content.error());
  return Json{
      {"changed", false}, {"content", Base64Encode(*content)}, {"encoding", "base64"}, {"source", src}};
}

}  // namespace tend
