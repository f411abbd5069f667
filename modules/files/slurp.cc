#include <errno.h>
#include <fmt/format.h>

#include <cstring>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/host/http_client.h"
#include "modules/host/real_host.h"

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

namespace {

/// Ansible's wording for each reason a file cannot be read; scripts match on it.
std::string SlurpFailure(const std::string& src, const Error& error) {
  int err = ErrnoOf(error);
  switch (err) {
    case ENOENT: return fmt::format("file not found: {}", src);
    case EACCES: return fmt::format("file is not readable: {}", src);
    case EISDIR: return fmt::format("source is a directory and must be a file: {}", src);
    case 0: return fmt::format("unable to slurp file: {}", error.message);
    default:
      return fmt::format("unable to slurp file: [Errno {}] {}: '{}'", err, std::strerror(err), src);
  }
}

}  // namespace

Expected<Json> RunSlurp(ModuleContext& context) {
  Host& host = context.Machine();
  std::string src = ExpandUser(host, context.Str("src"));
  // Read first and word the failure by its cause, as Ansible does: a stat
  // first would report an unsearchable parent as a stat error.
  auto content = host.ReadFile(src);
  if (!content) return Fail(SlurpFailure(src, content.error()));
  return Json{
      {"changed", false}, {"content", Base64Encode(*content)}, {"encoding", "base64"}, {"source", src}};
}

}  // namespace tend
