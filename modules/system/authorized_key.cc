// authorized_key (ansible.posix): add or remove SSH keys in a user's
// authorized_keys file, merging the way Ansible does (system_parse.cc).

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/parsers/system_parse.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// The path with symlinks followed (Ansible's os.path.realpath for `follow`).
Expected<std::string> FollowLinks(Host& host, std::string path) {
  for (int hops = 0; hops < 40; ++hops) {
    auto info = host.Stat(path, /*follow=*/false);
    if (!info) return std::unexpected(info.error());
    if (info->kind != FileKind::kLink) return path;
    const std::string& target = info->link_target;
    path = target.starts_with('/') ? target : JoinPath(DirName(path), target);
  }
  return Fail(fmt::format("too many levels of symbolic links at {}", path));
}

Expected<void> MakeDirectories(Host& host, const std::string& dir) {
  auto info = host.Stat(dir);
  if (!info) return std::unexpected(info.error());
  if (info->exists() || dir == "/") return {};
  auto parent = MakeDirectories(host, DirName(dir));
  if (!parent) return parent;
  return host.MakeDirectory(dir, 0755);
}

// The ~/.ssh directory as Ansible's manage_dir leaves it: 0700, the user's.
Expected<void> ManageDirectory(Host& host, const std::string& dir, const PasswdEntry& user) {
  auto info = host.Stat(dir);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) {
    auto made = host.MakeDirectory(dir, 0700);
    if (!made) return Fail(fmt::format("Failed to create directory {} : {}", dir, made.error().message));
    info = host.Stat(dir);
    if (!info) return std::unexpected(info.error());
  }
  if (info->uid != user.uid || info->gid != user.gid) {
    auto owned = host.Chown(dir, user.uid, user.gid);
    if (!owned) return owned;
  }
  if ((info->mode & 07777) != 0700) return host.Chmod(dir, 0700);
  return {};
}

Json Params(const ModuleContext& context, const std::string& keyfile) {
  Json result = Json::object();
  for (const char* arg : {"user", "key", "path", "manage_dir", "state", "key_options", "exclusive",
                          "validate_certs", "comment", "follow"}) {
    auto it = context.args.find(arg);
    result[arg] = it == context.args.end() ? Json(nullptr) : *it;
  }
  result["keyfile"] = keyfile;
  result["changed"] = false;
  return result;
}

Expected<void> WriteKeys(ModuleContext& context, const std::string& file, const PasswdEntry& user,
                         const std::string& content) {
  Host& host = context.Machine();
  std::string dir = DirName(file);
  auto ready = context.Bool("manage_dir", true) ? ManageDirectory(host, dir, user)
                                                : MakeDirectories(host, dir);
  if (!ready) return ready;
  return host.WriteFileAtomic(file, StringSource(content),
                              FileAttrs{.mode = 0600, .uid = user.uid, .gid = user.gid});
}

}  // namespace

const ModuleSpec& AuthorizedKeySpec() {
  static const ModuleSpec spec{
      .name = "authorized_key",
      .short_description = "Adds or removes an SSH authorized key",
      .args = {{.name = "user", .type = ArgType::kStr, .required = true},
               {.name = "key", .type = ArgType::kStr, .required = true},
               {.name = "path", .type = ArgType::kPath},
               {.name = "manage_dir", .type = ArgType::kBool, .default_value = true},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}},
               {.name = "key_options", .type = ArgType::kStr},
               {.name = "exclusive", .type = ArgType::kBool, .default_value = false},
               {.name = "comment", .type = ArgType::kStr},
               {.name = "validate_certs", .type = ArgType::kBool, .default_value = true},
               {.name = "follow", .type = ArgType::kBool, .default_value = false}},
      .supports_diff = true,
      .returns = {"user", "key", "path", "manage_dir", "state", "key_options", "exclusive",
                  "validate_certs", "comment", "follow", "keyfile", "diff"},
  };
  return spec;
}

Expected<Json> RunAuthorizedKey(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = context.Str("user");
  std::string key = context.Str("key");
  if (key.starts_with("http")) {
    return Fail("key: fetching keys from a URL is not supported by tend; pass the key text");
  }
  auto user = host.FindUser(name);
  if (!user) return std::unexpected(user.error());
  if (!*user && !(context.check && context.Has("path"))) {
    if (context.check) {
      return Fail("Either user must exist or you must provide full path to key file in check mode");
    }
    return Fail(fmt::format("Failed to lookup user {}: 'getpwnam(): name not found: {}'", name, name));
  }
  std::string file = context.Has("path") ? context.Str("path")
                                         : JoinPath((*user)->home, ".ssh/authorized_keys");
  if (context.Bool("follow")) {
    auto followed = FollowLinks(host, file);
    if (!followed) return std::unexpected(followed.error());
    file = *followed;
  }
  Json result = Params(context, file);
  auto info = host.Stat(file);
  if (!info) return std::unexpected(info.error());
  std::string existing;
  if (info->kind == FileKind::kFile) {
    auto read = host.ReadFile(file);
    if (!read) return std::unexpected(read.error());
    existing = std::move(*read);
  }
  KeyRequest request{.keys_text = key,
                     .present = context.Str("state") != "absent",
                     .exclusive = context.Bool("exclusive"),
                     .key_options = {},
                     .comment = {}};
  if (context.Has("key_options")) request.key_options = context.Str("key_options");
  if (context.Has("comment")) request.comment = context.Str("comment");
  std::string invalid;
  auto merged = MergeAuthorizedKeys(existing, request, &invalid);
  if (!merged) return Fail(fmt::format("invalid key specified: {}", invalid));
  if (!merged->changed) return result;
  result["changed"] = true;
  if (context.diff) result["diff"] = MakeDiff(file, existing, file, merged->content);
  if (context.check) return result;
  auto written = WriteKeys(context, file, **user, merged->content);
  if (!written) return std::unexpected(written.error());
  return result;
}

}  // namespace tend
