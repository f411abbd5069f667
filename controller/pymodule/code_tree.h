#pragma once

// Read access to the controller's Python trees (ansible-core and the
// collections), so locating a module and packing its imports are tested on
// an in-memory tree.

#include <map>
#include <optional>
#include <string>

namespace tend {

class CodeTree {
 public:
  virtual ~CodeTree() = default;
  virtual bool IsFile(const std::string& path) const = 0;
  virtual bool IsDirectory(const std::string& path) const = 0;
  /// The file's text, or nothing when it cannot be read.
  virtual std::optional<std::string> Read(const std::string& path) const = 0;
};

/// The machine's files.
class RealCodeTree : public CodeTree {
 public:
  bool IsFile(const std::string& path) const override;
  bool IsDirectory(const std::string& path) const override;
  std::optional<std::string> Read(const std::string& path) const override;
};

/// Files held in memory (tests): a directory is any prefix of a file's path.
class FakeCodeTree : public CodeTree {
 public:
  void Add(const std::string& path, std::string text) { files_[path] = std::move(text); }
  bool IsFile(const std::string& path) const override { return files_.contains(path); }
  bool IsDirectory(const std::string& path) const override;
  std::optional<std::string> Read(const std::string& path) const override;

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace tend
