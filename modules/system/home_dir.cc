#include "modules/system/home_dir.h"

#include <algorithm>

#include "core/strings.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// Copies `from` to the new `to` as shutil.copytree(symlinks=True) does:
// links stay links, files and directories keep their modes; the copy is
// then given to the user.
Expected<void> CopyTree(Host& host, const std::string& from, const std::string& to,
                        const FileInfo& dir, uid_t uid, gid_t gid) {
  if (auto made = host.MakeDirectory(to, dir.mode); !made) return made;
  if (auto chmod = host.Chmod(to, dir.mode); !chmod) return chmod;
  if (auto owned = host.Chown(to, uid, gid); !owned) return owned;
  auto names = host.ListDirectory(from);
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    std::string src = JoinPath(from, name), dst = JoinPath(to, name);
    auto info = host.Stat(src, false);
    if (!info) return std::unexpected(info.error());
    Expected<void> done;
    if (info->kind == FileKind::kDirectory) {
      done = CopyTree(host, src, dst, *info, uid, gid);
    } else if (info->kind == FileKind::kLink) {
      done = host.Symlink(info->link_target, dst);
      if (done) done = host.Chown(dst, uid, gid);
    } else if (info->kind == FileKind::kFile) {
      auto content = host.ReadFile(src);
      if (!content) return std::unexpected(content.error());
      done = host.WriteFileAtomic(dst, StringSource(std::move(*content)),
                                  {.mode = info->mode, .uid = uid, .gid = gid});
    }
    if (!done) return done;
  }
  return {};
}

}  // namespace

std::optional<uint32_t> LoginDefsUmask(std::string_view login_defs) {
  std::optional<uint32_t> umask;
  for (size_t start = 0; start < login_defs.size();) {
    size_t end = std::min(login_defs.find('\n', start), login_defs.size());
    std::string_view line = login_defs.substr(start, end - start);
    start = end + 1;
    // `UMASK`, blanks, octal digits and nothing else; the last such line counts.
    if (!line.starts_with("UMASK") || line.size() < 7 || (line[5] != ' ' && line[5] != '\t')) {
      continue;
    }
    std::string_view value = TrimLeft(line.substr(5), " \t");
    if (value.empty() || value.find_first_not_of("01234567") != std::string_view::npos) continue;
    umask = static_cast<uint32_t>(std::stoul(std::string(value), nullptr, 8));
  }
  return umask;
}

Expected<void> CreateHomeDir(Host& host, const std::string& home, uid_t uid, gid_t gid,
                             const std::string& skeleton) {
  if (auto parents = MakeMissingParents(host, home); !parents) return parents;
  auto skel = host.Stat(skeleton);
  if (!skel) return std::unexpected(skel.error());
  Expected<void> made = skel->kind == FileKind::kDirectory
                            ? CopyTree(host, skeleton, home, *skel, uid, gid)
                            : host.MakeDirectory(home, 0755);
  if (!made) return made;
  if (auto owned = host.Chown(home, uid, gid); !owned) return owned;
  auto defs = host.ReadFile("/etc/login.defs");
  auto umask = defs ? LoginDefsUmask(*defs) : std::nullopt;
  if (umask) return host.Chmod(home, 0777 & ~*umask);
  return {};
}

}  // namespace tend
