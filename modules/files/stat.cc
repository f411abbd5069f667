#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"

namespace tend {
namespace {

Json StatFields(Host& host, const std::string& path, const FileInfo& info, bool follow) {
  Json st{{"exists", true}, {"path", path}};
  st["mode"] = FormatMode(info.mode);
  st["isdir"] = info.kind == FileKind::kDirectory;
  st["isreg"] = info.kind == FileKind::kFile;
  st["islnk"] = info.kind == FileKind::kLink;
  st["uid"] = info.uid;
  st["gid"] = info.gid;
  Json facts = Json::object();
  AddFileFacts(host, path, facts);
  if (!follow || info.kind != FileKind::kLink) {
    st["pw_name"] = facts.value("owner", std::to_string(info.uid));
    st["gr_name"] = facts.value("group", std::to_string(info.gid));
  }
  st["size"] = info.size;
  st["mtime"] = info.mtime;
  st["atime"] = info.atime;
  st["ctime"] = info.ctime;
  st["inode"] = info.inode;
  st["dev"] = info.device;
  st["nlink"] = info.nlink;
  uint32_t m = info.mode;
  st["isuid"] = (m & 04000) != 0;
  st["isgid"] = (m & 02000) != 0;
  for (auto [who, shift] : {std::pair{"usr", 6}, {"grp", 3}, {"oth", 0}}) {
    st[fmt::format("r{}", who)] = ((m >> shift) & 4) != 0;
    st[fmt::format("w{}", who)] = ((m >> shift) & 2) != 0;
    st[fmt::format("x{}", who)] = ((m >> shift) & 1) != 0;
  }
  if (info.kind == FileKind::kLink) {
    st["lnk_target"] = info.link_target;
    st["lnk_source"] = info.link_target.starts_with('/')
                           ? info.link_target
                           : path.substr(0, path.find_last_of('/') + 1) + info.link_target;
  }
  return st;
}

}  // namespace

const ModuleSpec& StatSpec() {
  static const ModuleSpec spec{
      .name = "stat",
      .short_description = "Retrieve file or file system status",
      .args =
          {{.name = "path", .type = ArgType::kPath, .required = true, .aliases = {"dest", "name"}},
           {.name = "follow", .type = ArgType::kBool, .default_value = false},
           {.name = "get_checksum", .type = ArgType::kBool, .default_value = true},
           {.name = "checksum_algorithm",
            .type = ArgType::kStr,
            .default_value = "sha1",
            .choices = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512"},
            .aliases = {"checksum", "checksum_algo"}},
           {.name = "get_mime",
            .type = ArgType::kBool,
            .default_value = true,
            .aliases = {"mime", "mime_type", "mime-type"}},
           {.name = "get_attributes",
            .type = ArgType::kBool,
            .default_value = true,
            .aliases = {"attr", "attributes"}}},
      .returns = {"stat"},
  };
  return spec;
}

Expected<Json> RunStat(ModuleContext& context) {
  Host& host = context.Machine();
  std::string path = ExpandUser(host, context.Str("path"));
  bool follow = context.Bool("follow");
  auto info = host.Stat(path, follow);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) return Json{{"changed", false}, {"stat", {{"exists", false}}}};
  Json st = StatFields(host, path, *info, follow);
  if (info->kind == FileKind::kFile && context.Bool("get_checksum", true)) {
    std::string name = context.Str("checksum_algorithm", "sha1");
    auto sum = host.FileChecksum(path, HashAlgorithmByName(name).value_or(HashAlgorithm::kSha1));
    // Unreadable files report no checksum, as Ansible does.
    if (sum) st["checksum"] = *sum;
  }
  return Json{{"changed", false}, {"stat", st}};
}

}  // namespace tend
