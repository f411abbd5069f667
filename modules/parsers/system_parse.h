#pragma once

// Pure parsers and decisions of the system modules (systemd_service,
// authorized_key, timezone), tested table-driven in system_test.cc.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"

namespace tend {

/// `systemctl show` output as a JSON object of property -> value, the way
/// Ansible's systemd module returns it as `status`. Exec* values written as
/// `{ ... }` over several lines are joined with newlines.
Json ParseSystemctlShow(std::string_view output);

/// The systemctl verb that brings a unit from its ActiveState to the desired
/// state (started/stopped/restarted/reloaded), or nothing when it is there.
/// restarted/reloaded always act; on an inactive unit they start it.
std::optional<std::string> ServiceAction(std::string_view desired, std::string_view active_state);

/// Whether `systemctl is-enabled` (rc and stdout) means enabled, as Ansible
/// reads it: rc 0 is enabled unless the only word is "indirect" or "alias".
bool IsEnabledOutput(int rc, std::string_view output);

/// One line of an authorized_keys file, split the way Ansible's
/// authorized_key does: options, type, key blob, comment. Lines that are not
/// keys (comments, blanks, garbage) are kept verbatim as `raw`.
struct AuthorizedKey {
  std::string key;   // the base64 blob: a key's identity
  std::string type;  // empty: not a key line
  std::vector<std::pair<std::string, std::optional<std::string>>> options{};
  std::string comment{};
  std::string raw{};  // the verbatim line (with its newline) for non-key lines
  size_t rank = 0;

  bool IsKey() const { return !type.empty(); }
  /// Everything but the rank (what decides "already present").
  bool SameAs(const AuthorizedKey& other) const {
    return key == other.key && type == other.type && options == other.options &&
           comment == other.comment;
  }
};

/// Parses `key_options`-style text: comma-separated, quotes keep commas.
std::vector<std::pair<std::string, std::optional<std::string>>> ParseKeyOptions(
    std::string_view text);

/// Parses one line; nullopt when it holds no known key type.
std::optional<AuthorizedKey> ParseAuthorizedKey(std::string_view line, size_t rank);

/// The file's lines in order; a key seen twice keeps one entry (the later).
std::vector<AuthorizedKey> ParseAuthorizedKeys(std::string_view content);

/// Renders entries sorted by rank, one line each, as Ansible writes them
/// ("options type key comment\n").
std::string SerializeAuthorizedKeys(std::vector<AuthorizedKey> keys);

struct KeyRequest {
  std::string keys_text;  // the `key` argument, one key per line
  bool present = true;
  bool exclusive = false;
  std::optional<std::string> key_options{};
  std::optional<std::string> comment{};
};

struct KeyMerge {
  std::string content;
  bool changed = false;
};

/// Applies a request to an authorized_keys file's content. Fails (with the
/// offending line) when a requested key does not parse.
std::optional<KeyMerge> MergeAuthorizedKeys(std::string_view existing, const KeyRequest& request,
                                            std::string* invalid_line);

/// The zone name that an /etc/localtime link target names
/// ("/usr/share/zoneinfo/Europe/Berlin" -> "Europe/Berlin"), if any.
std::optional<std::string> ZoneFromLink(std::string_view target);

/// The hardware clock mode from /etc/adjtime ("local" or "UTC"; UTC when the
/// file is missing or has no third line).
std::string HwclockFromAdjtime(std::string_view content);
/// /etc/adjtime with its third line set to LOCAL or UTC.
std::string AdjtimeWith(std::string_view content, std::string_view hwclock);

}  // namespace tend
