#pragma once

// The ansible.cfg settings tend knows: one row each, with the INI section and
// key, the ANSIBLE_* variables that override it, its type, tend's default and
// whether tend honours it. Every list of settings (the loader, `tend config`,
// the docs test) derives from this table.

#include <span>
#include <string_view>

namespace tend {

enum class SettingType {
  kString,
  kBool,
  kInt,
  kPath,      // ~ and $VAR expanded; relative to the cfg file's directory
  kPathList,  // comma separated paths (inventory)
  kPathSpec,  // colon separated paths (roles_path)
  kList,      // comma separated words
};

enum class SettingUse {
  kHonoured,
  /// tend already behaves as the setting asks (pipelining: one channel is
  /// always kept), so it is accepted without a warning.
  kNotApplicable,
  /// Read but not acted on: a warning each time it is set to anything but
  /// `quiet_value`.
  kIgnored,
};

struct SettingSpec {
  const char* name;     // "defaults.forks": section.key, as `tend config` prints it
  const char* section;  // "defaults", "privilege_escalation", ...
  const char* key;
  const char* alt_key;  // a second INI key Ansible reads (collections_paths), or null
  const char* env;      // ANSIBLE_*, or null
  const char* alt_env;  // a second, older variable, or null
  SettingType type;
  const char* default_text;  // tend's default, as it would be written in the file
  SettingUse use;
  /// What tend does with it (honoured) or why it is not used (ignored).
  const char* note;
  /// For kIgnored: the value that matches what tend does anyway (no warning).
  const char* quiet_value = nullptr;
  /// The accepted values, separated by '|' ("implicit|explicit|smart"), or null.
  const char* choices = nullptr;
};

/// Every setting, in the order `tend config` lists them.
std::span<const SettingSpec> Settings();

/// The row for "section.key", or null.
const SettingSpec* FindSetting(std::string_view name);

/// The row whose section and key (or alt_key) match, or null.
const SettingSpec* FindSettingByKey(std::string_view section, std::string_view key);

}  // namespace tend
