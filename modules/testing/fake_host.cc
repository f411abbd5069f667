#include "modules/testing/fake_host.h"

#include <errno.h>
#include <fmt/format.h>

#include "modules/host/real_host.h"
#include "core/strings.h"

namespace tend {
namespace {

std::string Parent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "/";
  return path.substr(0, slash);
}

std::string JoinArgv(const std::vector<std::string>& argv) { return Join(argv, " "); }

}  // namespace

FakeHost::FakeHost() {
  nodes_["/"] = Node{FileKind::kDirectory, "", 0755, 0, 0, 0, 0, next_inode_++};
  env_["HOME"] = "/root";
  env_["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

FakeHost::Node& FakeHost::Put(const std::string& path, Node node) {
  node.inode = next_inode_++;
  if (node.mtime == 0) node.mtime = node.atime = now_micros_ / 1000000;
  return nodes_[path] = std::move(node);
}

void FakeHost::AddFile(const std::string& path, std::string content, uint32_t mode) {
  if (!nodes_.contains(Parent(path))) AddDirectory(Parent(path));
  Put(path, Node{FileKind::kFile, std::move(content), mode});
}

void FakeHost::AddDirectory(const std::string& path, uint32_t mode) {
  if (path != "/" && !nodes_.contains(Parent(path))) AddDirectory(Parent(path));
  Put(path, Node{FileKind::kDirectory, "", mode});
}

void FakeHost::AddLink(const std::string& path, std::string target) {
  if (!nodes_.contains(Parent(path))) AddDirectory(Parent(path));
  Put(path, Node{FileKind::kLink, std::move(target), 0777});
}

const FakeHost::Node* FakeHost::Find(const std::string& path) const {
  auto it = nodes_.find(path);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::string FakeHost::Content(const std::string& path) const {
  const Node* node = Find(Resolve(path));
  return node && node->kind == FileKind::kFile ? node->content : "";
}

std::string FakeHost::Resolve(const std::string& path) const {
  std::string current = path;
  for (int hops = 0; hops < 40; ++hops) {
    const Node* node = Find(current);
    if (!node || node->kind != FileKind::kLink) return current;
    const std::string& target = node->content;
    current = target.starts_with('/') ? target : Parent(current) + "/" + target;
  }
  return current;
}

Expected<void> FakeHost::CheckParent(const std::string& what, const std::string& path) const {
  const Node* parent = Find(Resolve(Parent(path)));
  if (!parent) return PathError(what, path, ENOENT);
  if (parent->kind != FileKind::kDirectory) return PathError(what, path, ENOTDIR);
  return {};
}

bool FakeHost::Readable(const Node& node) const {
  if (euid_ == 0) return true;
  if (node.uid == euid_) return (node.mode & 0400) != 0;
  if (node.gid == egid_) return (node.mode & 0040) != 0;
  return (node.mode & 0004) != 0;
}

Expected<FileInfo> FakeHost::Stat(const std::string& path, bool follow) {
  const Node* node = Find(follow ? Resolve(path) : path);
  FileInfo info;
  if (!node) return info;
  info.kind = node->kind;
  info.mode = node->mode;
  info.uid = node->uid;
  info.gid = node->gid;
  info.size = node->content.size();
  info.mtime = node->mtime;
  info.atime = node->atime;
  info.ctime = node->mtime;
  info.inode = node->inode;
  info.nlink = 1;
  if (node->kind == FileKind::kLink) info.link_target = node->content;
  return info;
}

Expected<std::string> FakeHost::ReadFile(const std::string& path) {
  const Node* node = Find(Resolve(path));
  if (!node) {
    auto parent = CheckParent("read", path);  // ENOTDIR under a file, as open(2)
    return parent ? PathError("read", path, ENOENT) : std::unexpected(parent.error());
  }
  if (node->kind == FileKind::kDirectory) return PathError("read", path, EISDIR);
  if (!Readable(*node)) return PathError("read", path, EACCES);
  return node->content;
}

Expected<void> FakeHost::WriteFileAtomic(const std::string& path, const ContentSource& content,
                                         const FileAttrs& attrs) {
  std::string target = Resolve(path);
  auto parent = CheckParent("create a temporary file in", target);
  if (!parent) return parent;
  const Node* existing = Find(target);
  if (existing && existing->kind == FileKind::kDirectory) return PathError("write", path, EISDIR);
  std::string data;
  auto ok = content([&](std::string_view chunk) -> Expected<void> {
    data.append(chunk);
    return {};
  });
  if (!ok) return ok;
  Node node{FileKind::kFile, std::move(data), existing ? existing->mode : 0644u,
            existing ? existing->uid : euid_, existing ? existing->gid : egid_};
  if (attrs.mode) node.mode = *attrs.mode;
  if (attrs.uid) node.uid = *attrs.uid;
  if (attrs.gid) node.gid = *attrs.gid;
  Put(target, std::move(node));
  changes_.push_back("write " + target);
  return {};
}

Expected<void> FakeHost::MakeDirectory(const std::string& path, uint32_t mode) {
  auto parent = CheckParent("create directory", path);
  if (!parent) return parent;
  if (Find(path)) return PathError("create directory", path, EEXIST);
  Put(path, Node{FileKind::kDirectory, "", mode, euid_, egid_});
  changes_.push_back(fmt::format("mkdir {} {:04o}", path, mode));
  return {};
}

Expected<void> FakeHost::Remove(const std::string& path) {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return PathError("remove", path, ENOENT);
  if (it->second.kind == FileKind::kDirectory) {
    auto child = nodes_.lower_bound(path + "/");
    if (child != nodes_.end() && child->first.starts_with(path + "/")) {
      return PathError("remove", path, ENOTEMPTY);
    }
  }
  nodes_.erase(it);
  changes_.push_back("remove " + path);
  return {};
}

Expected<void> FakeHost::RemoveTree(const std::string& path) {
  if (!nodes_.contains(path)) return {};
  std::erase_if(nodes_, [&](const auto& entry) {
    return entry.first == path || entry.first.starts_with(path + "/");
  });
  changes_.push_back("remove tree " + path);
  return {};
}

Expected<void> FakeHost::Chmod(const std::string& path, uint32_t mode) {
  auto it = nodes_.find(Resolve(path));
  if (it == nodes_.end()) return PathError("chmod", path, ENOENT);
  it->second.mode = mode;
  changes_.push_back(fmt::format("chmod {} {:04o}", path, mode));
  return {};
}

Expected<void> FakeHost::Chown(const std::string& path, std::optional<uid_t> uid,
                               std::optional<gid_t> gid) {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return PathError("chown", path, ENOENT);
  if (uid) it->second.uid = *uid;
  if (gid) it->second.gid = *gid;
  changes_.push_back(fmt::format("chown {} {}:{}", path, uid ? std::to_string(*uid) : "-",
                                 gid ? std::to_string(*gid) : "-"));
  return {};
}

Expected<void> FakeHost::Symlink(const std::string& target, const std::string& path) {
  auto parent = CheckParent("create link", path);
  if (!parent) return parent;
  if (Find(path)) return PathError("create link", path, EEXIST);
  Put(path, Node{FileKind::kLink, target, 0777, euid_, egid_});
  changes_.push_back("symlink " + path + " -> " + target);
  return {};
}

Expected<void> FakeHost::HardLink(const std::string& target, const std::string& path) {
  auto parent = CheckParent("create hard link", path);
  if (!parent) return parent;
  const Node* source = Find(target);
  if (!source) return PathError("create hard link", path, ENOENT);
  if (Find(path)) return PathError("create hard link", path, EEXIST);
  nodes_[path] = *source;  // same inode
  changes_.push_back("hardlink " + path + " -> " + target);
  return {};
}

Expected<void> FakeHost::Rename(const std::string& from, const std::string& to) {
  auto it = nodes_.find(from);
  if (it == nodes_.end()) return PathError("rename", from, ENOENT);
  Node node = it->second;
  nodes_.erase(it);
  nodes_[to] = std::move(node);
  // A directory takes what is under it along, as rename(2) does.
  std::string prefix = from + "/";
  for (auto child = nodes_.lower_bound(prefix); child != nodes_.end() && child->first.starts_with(prefix);) {
    nodes_[to + "/" + child->first.substr(prefix.size())] = std::move(child->second);
    child = nodes_.erase(child);
  }
  changes_.push_back("rename " + from + " " + to);
  return {};
}

Expected<void> FakeHost::SetTimes(const std::string& path, int64_t atime, int64_t mtime) {
  auto it = nodes_.find(path);
  if (it == nodes_.end()) return PathError("set times of", path, ENOENT);
  it->second.atime = atime;
  it->second.mtime = mtime;
  changes_.push_back("touch " + path);
  return {};
}

Expected<std::vector<std::string>> FakeHost::ListDirectory(const std::string& path) {
  std::string dir = Resolve(path);
  const Node* node = Find(dir);
  if (!node) return PathError("list", path, ENOENT);
  if (node->kind != FileKind::kDirectory) return PathError("list", path, ENOTDIR);
  std::string prefix = dir == "/" ? "/" : dir + "/";
  std::vector<std::string> names;
  for (auto it = nodes_.upper_bound(prefix); it != nodes_.end(); ++it) {
    if (!it->first.starts_with(prefix)) break;
    std::string rest = it->first.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) names.push_back(rest);
  }
  return names;
}

Expected<ProcessResult> FakeHost::Run(const ProcessSpec& spec) {
  if (spec.argv.empty()) return Fail("no command given");
  commands_.push_back(JoinArgv(spec.argv));
  if (on_run_) return on_run_(spec, *this);
  return ProcessResult{};
}

std::optional<std::string> FakeHost::GetEnv(const std::string& name) {
  auto it = env_.find(name);
  if (it == env_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tend
