#pragma once

// ansible.cfg's INI dialect, read as Python's configparser reads it (the way
// Ansible does): `[section]` headers, `key = value` or `key: value`, keys
// case-insensitive, full-line `#` and `;` comments, inline comments after
// whitespace and `;`, indented lines continuing the value above. Values are raw, as Ansible
// reads them (no `%(name)s` interpolation).

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace tend {

struct IniEntry {
  std::string key;  // lower-cased
  std::string value;
  int line = 0;  // where the key is
};

struct IniSection {
  std::string name;
  int line = 0;
  std::vector<IniEntry> entries;
};

struct IniFile {
  std::string path;
  std::vector<IniSection> sections;

  /// The entry for `key` in `section`, or null.
  const IniEntry* Find(std::string_view section, std::string_view key) const;
};

/// Parses `text` read from `path` (for messages); malformed lines are located
/// errors ("PATH:LINE: ...").
Expected<IniFile> ParseIni(std::string_view text, const std::string& path);

}  // namespace tend
