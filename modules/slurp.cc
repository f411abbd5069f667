#include <fmt/format.h>

#include "modules/all.h"
#include "modules/file_common.h"

namespace tend {
namespace {

std::string Base64(std::string_view data) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    uint32_t n = static_cast<unsigned char>(data[i]) << 16 |
                 static_cast<unsigned char>(data[i + 1]) << 8 |
                 static_cast<unsigned char>(data[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(n >> shift) & 63];
  }
  if (i < data.size()) {
    uint32_t n = static_cast<unsigned char>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < data.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

}  // namespace

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
      {"changed", false}, {"content", Base64(*content)}, {"encoding", "base64"}, {"source", src}};
}

}  // namespace tend
