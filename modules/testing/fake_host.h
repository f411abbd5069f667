#pragma once

#include <map>
#include <string>
#include <vector>

#include "modules/host/host.h"

namespace tend {

/// An in-memory machine for module tests. Every mutation is recorded in
/// changes() ("write /etc/motd", "chmod /x 0600", ...); every process run in
/// commands(). A test that applies a module twice asserts the second run adds
/// nothing; a check-mode test asserts nothing was recorded at all.
class FakeHost : public Host {
 public:
  struct Node {
    FileKind kind = FileKind::kFile;
    std::string content;  // file content or link target
    uint32_t mode = 0644;
    uid_t uid = 0;
    gid_t gid = 0;
    int64_t mtime = 0;
    int64_t atime = 0;
    uint64_t inode = 0;
  };
  using RunHandler = std::function<ProcessResult(const ProcessSpec&, FakeHost&)>;

  FakeHost();

  // Test setup; not recorded as changes.
  void AddFile(const std::string& path, std::string content, uint32_t mode = 0644);
  void AddDirectory(const std::string& path, uint32_t mode = 0755);
  void AddLink(const std::string& path, std::string target);
  const Node* Find(const std::string& path) const;
  /// Content of a regular file ("" if missing).
  std::string Content(const std::string& path) const;
  /// Handles Run; the default succeeds with no output.
  void OnRun(RunHandler handler) { on_run_ = std::move(handler); }
  void SetEnv(const std::string& name, const std::string& value) { env_[name] = value; }
  void SetNow(int64_t micros) { now_micros_ = micros; }
  void SetEffectiveIds(uid_t uid, gid_t gid) {
    euid_ = uid;
    egid_ = gid;
  }

  const std::vector<std::string>& changes() const { return changes_; }
  const std::vector<std::string>& commands() const { return commands_; }
  void ClearRecords() {
    changes_.clear();
    commands_.clear();
  }

  Expected<FileInfo> Stat(const std::string& path, bool follow = true) override;
  Expected<std::string> ReadFile(const std::string& path) override;
  Expected<void> WriteFileAtomic(const std::string& path, const ContentSource& content,
                                 const FileAttrs& attrs) override;
  Expected<void> MakeDirectory(const std::string& path, uint32_t mode) override;
  Expected<void> Remove(const std::string& path) override;
  Expected<void> RemoveTree(const std::string& path) override;
  Expected<void> Chmod(const std::string& path, uint32_t mode) override;
  Expected<void> Chown(const std::string& path, std::optional<uid_t> uid,
                       std::optional<gid_t> gid) override;
  Expected<void> Symlink(const std::string& target, const std::string& path) override;
  Expected<void> HardLink(const std::string& target, const std::string& path) override;
  Expected<void> Rename(const std::string& from, const std::string& to) override;
  Expected<void> SetTimes(const std::string& path, int64_t atime, int64_t mtime) override;
  Expected<std::vector<std::string>> ListDirectory(const std::string& path) override;
  Expected<ProcessResult> Run(const ProcessSpec& spec) override;
  std::optional<std::string> GetEnv(const std::string& name) override;
  std::map<std::string, std::string> Environment() override { return env_; }
  int64_t NowMicros() override { return now_micros_; }
  uid_t EffectiveUid() override { return euid_; }
  gid_t EffectiveGid() override { return egid_; }

 private:
  /// The path with symlinks in its final component followed (up to 40).
  std::string Resolve(const std::string& path) const;
  Expected<void> CheckParent(const std::string& what, const std::string& path) const;
  /// Whether the effective user may read `node` by its mode bits (root always may).
  bool Readable(const Node& node) const;
  Node& Put(const std::string& path, Node node);

  std::map<std::string, Node> nodes_;
  std::vector<std::string> changes_;
  std::vector<std::string> commands_;
  std::map<std::string, std::string> env_;
  RunHandler on_run_;
  int64_t now_micros_ = 1700000000000000;
  uid_t euid_ = 0;
  gid_t egid_ = 0;
  uint64_t next_inode_ = 1;
};

}  // namespace tend
