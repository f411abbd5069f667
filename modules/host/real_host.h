#pragma once

#include "modules/host/host.h"

namespace tend {

/// The machine the agent runs on, through POSIX calls. No NSS (getpwnam and
/// friends): the agent is linked statically.
class RealHost : public Host {
 public:
  Expected<FileInfo> Stat(const std::string& path, bool follow = true) override;
  Expected<std::string> ReadFile(const std::string& path) override;
  Expected<void> ReadFileChunks(const std::string& path,
                                const std::function<void(std::string_view)>& sink) override;
  Expected<std::string> FileChecksum(const std::string& path, HashAlgorithm algorithm) override;
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
  std::map<std::string, std::string> Environment() override;
  int64_t NowMicros() override;
  uid_t EffectiveUid() override;
  gid_t EffectiveGid() override;
};

/// "could not <what> <path>: <strerror(err)>", shared by the hosts so real and
/// fake failures read the same.
std::unexpected<Error> PathError(std::string_view what, const std::string& path, int err);
/// The errno a PathError was made from (its message ends with that strerror
/// text), 0 for any other error: modules that must word each cause as Ansible
/// does (slurp) tell them apart with it.
int ErrnoOf(const Error& error);

}  // namespace tend
