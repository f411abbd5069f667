#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Where each node of a loaded document came from, keyed by JSON pointer
/// ("/0/tasks/3/name"), so later stages can name file:line:col.
class YamlMarks {
 public:
  void Set(std::string pointer, Location where) { marks_[std::move(pointer)] = std::move(where); }
  /// The node's location, or the nearest ancestor's, or just the file.
  Location Find(std::string_view pointer) const;
  const std::string& file() const { return file_; }
  void set_file(std::string file) { file_ = std::move(file); }

 private:
  std::string file_;
  std::unordered_map<std::string, Location> marks_;
};

/// Where parse warnings go (a duplicate mapping key, as Ansible warns);
/// unset, they print to stderr as "[WARNING]: ...". Process-wide.
using YamlWarningSink = std::function<void(const std::string&)>;
void SetYamlWarningSink(YamlWarningSink sink);

/// Parses YAML the way Ansible (PyYAML, YAML 1.1) reads it: plain scalars
/// resolve to null/bool/int (incl. octal 0755)/float, quoted ones stay strings;
/// merge keys (<<) apply; `!vault` becomes {"__ansible_vault": text} and
/// `!unsafe` {"__ansible_unsafe": text}. A file of several documents yields
/// the first. An empty document is null.
Expected<Json> ParseYaml(std::string_view text, const std::string& file,
                         YamlMarks* marks = nullptr);

/// Reads and parses a file; errors name the file.
Expected<Json> LoadYamlFile(const std::string& path, YamlMarks* marks = nullptr);

/// YAML 1.1 resolution of one plain scalar, exposed for tests and for
/// `k=v` argument strings.
Json ResolvePlainScalar(const std::string& text);

}  // namespace tend
