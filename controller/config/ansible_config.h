#pragma once

// ansible.cfg as Ansible reads it: the first of $ANSIBLE_CONFIG,
// ./ansible.cfg, ~/.ansible.cfg and /etc/ansible/ansible.cfg that exists;
// ANSIBLE_* variables override the file; command-line options (applied by
// cli/) override both. Each value remembers where it came from, for
// `tend config` and for messages.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/config/settings.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// What the loader reads from the machine; tests pass a fake one.
struct ConfigEnvironment {
  std::function<std::optional<std::string>(const std::string& name)> getenv;
  /// The file's text, or nothing when it does not exist or cannot be read.
  std::function<std::optional<std::string>(const std::string& path)> read_file;
  std::function<bool(const std::string& path)> is_directory;
  std::string cwd;
  std::string home;
  /// Ansible skips ./ansible.cfg in a world-writable directory (with a warning).
  bool cwd_world_writable = false;
};

/// The process's environment, files and working directory.
ConfigEnvironment RealConfigEnvironment();

struct SettingValue {
  const SettingSpec* spec = nullptr;
  Json value;          // typed: string, bool, int, or a list of strings
  std::string origin;  // "default", "/path/ansible.cfg:12" or "env: ANSIBLE_FORKS"
  bool IsDefault() const { return origin == "default"; }
};

class AnsibleConfig {
 public:
  /// The file read, or "" when none was found.
  const std::string& file() const { return file_; }
  /// Every setting of Settings(), in its order.
  const std::vector<SettingValue>& values() const { return values_; }
  /// One line each: a setting that is set but not used, a skipped file.
  const std::vector<std::string>& warnings() const { return warnings_; }
  /// The `[tend]` section's entries (tend's own settings), key -> value.
  const std::map<std::string, std::string>& tend_settings() const { return tend_; }

  /// The value of "section.key" (must be in Settings()).
  const SettingValue& Get(std::string_view name) const;
  /// Set in the file or the environment (not the default).
  bool IsSet(std::string_view name) const { return !Get(name).IsDefault(); }
  std::string String(std::string_view name) const;
  bool Bool(std::string_view name) const;
  int Int(std::string_view name) const;
  std::vector<std::string> List(std::string_view name) const;

 private:
  friend Expected<AnsibleConfig> LoadAnsibleConfig(const ConfigEnvironment& env);
  std::string file_;
  std::vector<SettingValue> values_;
  std::vector<std::string> warnings_;
  std::map<std::string, std::string> tend_;
};

/// The path Ansible would read, or nothing; adds a warning for a skipped
/// world-writable ./ansible.cfg.
std::optional<std::string> FindConfigFile(const ConfigEnvironment& env,
                                          std::vector<std::string>& warnings);

/// Finds, parses and types the configuration. A malformed file or a value of
/// the wrong type is an error located at its line (or named by its variable).
Expected<AnsibleConfig> LoadAnsibleConfig(const ConfigEnvironment& env);

/// Python's boolean(strict=False) as Ansible's config uses it: yes/on/1/true/t/y.
bool ConfigTruthy(std::string_view text);

}  // namespace tend
