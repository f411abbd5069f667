#pragma once

// What the file modules share: Ansible's mode syntax, owner/group/mode
// application with check mode and diff, backups, and the "inspect, then
// write atomically" step for whole-file content.

#include <optional>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "modules/framework/module.h"

namespace tend {

/// The file-attribute arguments every file module takes.
std::vector<ArgSpec> FileAttributeArgs();

/// Ansible's `mode`: an int (YAML 0644 arrives as 420), an octal string
/// ("0644", "644") or symbolic ("u=rw,g=r,o=r", "u+x", "a-w", "g=u").
/// `current` is the existing mode (for symbolic changes).
Expected<uint32_t> ParseMode(const Json& mode, uint32_t current, bool is_directory);

/// "0644" as Ansible prints modes.
std::string FormatMode(uint32_t mode);

/// Applies mode/owner/group from the task's arguments to `path` (which must
/// exist, unless in check mode and `info` says kMissing). Records before and
/// after in `diff` when given. Returns whether anything changed (or would).
Expected<bool> ApplyFileAttributes(ModuleContext& context, const std::string& path,
                                   const FileInfo& info, Json* diff = nullptr);

/// The attributes for a new file from the task's arguments (mode parsed for a
/// new file, owner and group resolved).
Expected<FileAttrs> RequestedAttrs(ModuleContext& context, uint32_t current_mode,
                                   bool is_directory);

/// Copies `path` to "<path>.<pid>.<YYYY-mm-dd@HH:MM:SS>~" as Ansible names
/// backups; returns the backup's path.
Expected<std::string> BackupFile(Host& host, const std::string& path);

/// Adds owner/group/mode/uid/gid/size/state fields of `path` to `result`.
void AddFileFacts(Host& host, const std::string& path, Json& result);

/// Writes `content` over `path` atomically with the requested attributes,
/// validating first when `validate` (a command with %s) is set. A failed
/// validation leaves `path` untouched.
Expected<void> WriteValidated(ModuleContext& context, const std::string& path,
                              const ContentSource& content, const FileAttrs& attrs);

/// For text-editing modules (lineinfile, blockinfile, replace): writes
/// `after` when it differs from `before` (respecting check mode, backup,
/// validate, attributes) and fills changed/msg/diff/backup_file.
Expected<Json> FinishTextEdit(ModuleContext& context, const std::string& path,
                              const std::optional<std::string>& before, const std::string& after,
                              std::string msg);

/// Makes the missing parents of `path` (0755), as os.makedirs does before a
/// file or directory is created there.
Expected<void> MakeMissingParents(Host& host, const std::string& path);

/// Expands a leading "~" with $HOME (Ansible's path type).
std::string ExpandUser(Host& host, const std::string& path);

}  // namespace tend
