#pragma once

// Pure parsers and text edits behind unarchive, git, mount and debconf: the
// output of zipinfo, tar --diff, git ls-remote, /proc/self/mountinfo and
// debconf-show, and the fstab edit ansible.posix.mount makes (header-only;
// tested table-driven in tools_test.cc).

#include <array>
#include <cstdint>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modules/parsers/tools_common.h"
#include "core/mount_table.h"
#include "core/regex.h"

namespace tend::tools {

// ---- zip (zipinfo -T -s, unzip -v) ----

struct ZipEntry {
  char type = '-';    // d, l, - or ?
  std::string perms;  // rw-r--r-- (9 characters for Unix archives)
  uint64_t size = 0;
  std::string stamp;  // yyyymmdd.hhmmss (zipinfo -T)
  std::string path;
};

/// The member lines of a `zipinfo -T -s` listing; the header and the
/// summary line are skipped by their shape, as Ansible does.
inline std::vector<ZipEntry> ParseZipListing(std::string_view text) {
  std::vector<ZipEntry> out;
  for (const auto& line : Lines(text)) {
    auto f = SplitFields(line, 8);
    if (f.size() != 8) continue;
    if (f[0].size() != 7 && f[0].size() != 8 && f[0].size() != 10) continue;
    if (f[6].size() != 15) continue;
    if (std::string_view("dl-?").find(f[0][0]) == std::string_view::npos) continue;
    if (f[0].find_first_not_of("rwxstah-", 1) != std::string::npos) continue;
    if (f[3].empty() || f[3].find_first_not_of("0123456789") != std::string::npos) continue;
    out.push_back({f[0][0], f[0].substr(1), std::stoull(f[3]), f[6], f[7]});
  }
  return out;
}

/// Name -> CRC-32 from `unzip -v` (columns: Length Method Size Cmpr Date
/// Time CRC-32 Name).
inline std::map<std::string, uint32_t> ParseZipCrcs(std::string_view text) {
  std::map<std::string, uint32_t> out;
  for (const auto& line : Lines(text)) {
    auto f = SplitFields(line, 8);
    if (f.size() != 8 || f[6].size() != 8) continue;
    if (f[6].find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) continue;
    if (f[0].find_first_not_of("0123456789") != std::string::npos) continue;
    out[f[7]] = static_cast<uint32_t>(std::stoul(f[6], nullptr, 16));
  }
  return out;
}

/// A zipinfo -T stamp as the local time unzip gives the extracted file,
/// clamped to the DOS range as Ansible does.
inline int64_t ZipStampToTime(const std::string& stamp) {
  static const Regex shape = Regex::Fixed(R"((\d{4})(\d{2})(\d{2})\.(\d{2})(\d{2})(\d{2}))");
  auto match = shape.FullMatch(stamp);
  tm t{};
  t.tm_isdst = -1;
  t.tm_year = 1980 - 1900;
  t.tm_mday = 1;
  if (match && *match) {
    const RegexMatch& m = **match;
    auto field = [&](size_t i) { return std::stoi(std::string(m.GroupOrEmpty(i))); };
    int year = field(1);
    if (year > 2107) {
      t.tm_year = 2107 - 1900;
      t.tm_mon = 11;
      t.tm_mday = 31;
      t.tm_hour = 23;
      t.tm_min = 59;
      t.tm_sec = 59;
    } else if (year >= 1980) {
      t.tm_year = year - 1900;
      t.tm_mon = field(2) - 1;
      t.tm_mday = field(3);
      t.tm_hour = field(4);
      t.tm_min = field(5);
      t.tm_sec = field(6);
    }
  }
  return static_cast<int64_t>(::mktime(&t));
}

/// "rw-r--r--" -> 0644 (unzip cannot set setuid/setgid/sticky bits).
inline uint32_t PermsToMode(std::string_view perms, uint32_t umask) {
  uint32_t mode = 0;
  for (size_t i = 0; i < 9 && i < perms.size(); ++i) {
    if (std::string_view("rwxst").find(perms[i]) != std::string_view::npos) {
      mode |= 1u << (8 - i);
    }
  }
  return mode & ~umask;
}

/// CRC-32 (IEEE, as zip records it), updated chunk by chunk.
inline uint32_t Crc32Update(uint32_t crc, std::string_view data) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (unsigned char b : data) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

// ---- tar ----

/// GNU tar quotes unusual bytes in names as C escapes (\ooo, \\, \n...).
inline std::string UnescapeTarName(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '\\' || i + 1 >= name.size()) {
      out += name[i];
      continue;
    }
    char c = name[++i];
    if (c >= '0' && c <= '7') {
      int value = 0, digits = 0;
      while (digits < 3 && i < name.size() && name[i] >= '0' && name[i] <= '7') {
        value = value * 8 + (name[i++] - '0');
        ++digits;
      }
      --i;
      out += static_cast<char>(value);
    } else {
      static const std::string_view from = "ntrabfv", to = "\n\t\r\a\b\f\v";
      size_t k = from.find(c);
      out += k == std::string_view::npos ? c : to[k];
    }
  }
  return out;
}

/// The lines of `tar --diff` output (stdout and stderr) that mean the
/// archive is not extracted as asked. Owner, group and mode differences
/// only count when the task does not set them itself (they are applied
/// afterwards) and, for owner and group, when running as root.
inline std::string TarDifferences(std::string_view out, std::string_view err, bool as_root,
                                  bool owner_set, bool group_set, bool mode_set) {
  static const std::vector<std::string_view> always = {
      ": Mod time differs", ": Warning: Cannot stat: No such file or directory",
      ": Symlink differs", ": Contents differ", ": Size differs"};
  auto ends = [](std::string_view line, std::string_view tail) { return line.ends_with(tail); };
  std::string found;
  std::vector<std::string> lines = Lines(out);
  for (auto& l : Lines(err)) lines.push_back(std::move(l));
  for (const auto& line : lines) {
    // --strip-components leaves empty names behind; tar complains about them.
    if (ends(line, ": : Warning: Cannot stat: No such file or directory")) continue;
    bool counts = (as_root && !owner_set && ends(line, ": Uid differs")) ||
                  (as_root && !group_set && ends(line, ": Gid differs")) ||
                  (!mode_set && ends(line, ": Mode differs")) ||
                  line.find(": Invalid owner") != std::string::npos ||
                  line.find(": Invalid group") != std::string::npos;
    for (auto tail : always) counts = counts || ends(line, tail);
    if (counts) found += line + "\n";
  }
  return found;
}

// ---- git ----

struct RemoteRef {
  std::string sha;
  std::string ref;  // refs/heads/main, refs/tags/v1^{} ...
};

inline std::vector<RemoteRef> ParseLsRemote(std::string_view text) {
  std::vector<RemoteRef> out;
  for (const auto& line : Lines(text)) {
    auto f = SplitFields(line, 2);
    if (f.size() == 2) out.push_back({f[0], f[1]});
  }
  return out;
}

/// A version string that can only be a commit id (not a ref name we know).
inline bool LooksLikeSha(std::string_view version) {
  return version.size() >= 7 && version.size() <= 40 &&
         version.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

// ---- mounts ----

struct MountPoint {
  std::string src;  // the mount source field (device, "tmpfs", server:/path)
  std::string opts;
  std::string fstype;
  std::string bind_src;  // the source as get_linux_mounts computes it (bind mounts)
};

/// /proc/self/mountinfo: mount point -> what is mounted there. `bind_src` is
/// ansible.posix's get_linux_mounts answer: for a mount under a known parent
/// its root inside the parent's mount point (the bound directory of a bind
/// mount), else the source field.
inline std::map<std::string, MountPoint> ParseMountinfo(std::string_view text) {
  auto mounts = ParseMountInfo(text);
  std::map<int, const MountTableEntry*> by_id;
  for (const auto& m : mounts) by_id[m.id] = &m;
  std::map<std::string, MountPoint> out;
  for (const auto& m : mounts) {
    std::string root = m.root, src = m.source;
    auto parent = by_id.find(m.parent_id);
    if (m.parent_id != 1 && parent != by_id.end()) {
      const MountTableEntry& p = *parent->second;
      if (p.root.size() > 1 && root.starts_with(p.root + "/")) root = root.substr(p.root.size());
      if (p.mount_point != "/") root = p.mount_point + root;
      src = root;
    }
    out[m.mount_point] = {m.source, m.options, m.fs_type, src};
  }
  return out;
}

/// fstab escapes for a field: backslash, space and ampersand as octal.
inline std::string EscapeFstab(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\')
      out += "\\134";
    else if (c == ' ')
      out += "\\040";
    else if (c == '&')
      out += "\\046";
    else
      out += c;
  }
  return out;
}

struct FstabEntry {
  std::string src;
  std::string name;
  std::string fstype;
  std::string opts = "defaults";
  std::string dump = "0";
  std::string passno = "0";
};

struct FstabEdit {
  std::string text;
  bool changed = false;
};

namespace detail {

// The fields of an fstab line that could be an entry (4 to 6 fields before
// a comment); nothing for blank lines, comments and malformed lines.
inline std::optional<std::vector<std::string>> EntryFields(std::string_view line) {
  std::string_view stripped = line;
  while (!stripped.empty() && (stripped.front() == ' ' || stripped.front() == '\t')) {
    stripped.remove_prefix(1);
  }
  if (stripped.empty() || stripped.front() == '\n' || stripped.front() == '#') return std::nullopt;
  auto fields = SplitFields(line.substr(0, line.find('#')));
  if (fields.size() < 4 || fields.size() > 6) return std::nullopt;
  return fields;
}

// Swap entries all share the mount point "none": those are told apart by src.
inline bool SameEntry(const std::vector<std::string>& f, const std::string& escaped_name,
                      const std::optional<std::string>& src) {
  if (f[1] != escaped_name) return false;
  return !(src && f[1] == "none" && f[2] == "swap" && f[0] != *src);
}

inline std::string Line(const FstabEntry& e) {
  return e.src + " " + e.name + " " + e.fstype + " " + e.opts + " " + e.dump + " " + e.passno +
         "\n";
}

}  // namespace detail

/// ansible.posix.mount's set_mount on fstab text: the entry for
/// `wanted.name` gets the wanted fields (rewritten as one space-separated
/// line only when a field differs; missing dump/passno count as different),
/// or is appended. Comments, blank lines and other entries stay as they are.
inline FstabEdit SetFstabEntry(std::string_view fstab, const FstabEntry& wanted) {
  FstabEntry escaped{EscapeFstab(wanted.src),    EscapeFstab(wanted.name),
                     EscapeFstab(wanted.fstype), EscapeFstab(wanted.opts),
                     EscapeFstab(wanted.dump),   EscapeFstab(wanted.passno)};
  FstabEdit edit;
  bool exists = false;
  for (auto line : Lines(fstab)) {
    line += "\n";
    auto f = detail::EntryFields(line);
    if (!f || !detail::SameEntry(*f, escaped.name, wanted.src)) {
      edit.text += line;
      continue;
    }
    exists = true;
    f->resize(6);  // absent dump/passno: never equal to the wanted text
    bool differs = (*f)[0] != escaped.src || (*f)[2] != escaped.fstype || (*f)[3] != escaped.opts ||
                   (*f)[4] != escaped.dump || (*f)[5] != escaped.passno;
    if (differs) {
      FstabEntry updated = escaped;
      updated.name = (*f)[1];
      edit.text += detail::Line(updated);
      edit.changed = true;
    } else {
      edit.text += line;
    }
  }
  if (!exists) {
    edit.text += detail::Line(escaped);
    edit.changed = true;
  }
  return edit;
}

/// ansible.posix.mount's unset_mount: drops the entries for `name`.
inline FstabEdit UnsetFstabEntry(std::string_view fstab, const std::string& name,
                                 const std::optional<std::string>& src) {
  std::string escaped = EscapeFstab(name);
  FstabEdit edit;
  size_t start = 0;
  while (start < fstab.size()) {
    size_t end = fstab.find('\n', start);
    end = end == std::string_view::npos ? fstab.size() : end + 1;
    std::string_view line = fstab.substr(start, end - start);
    start = end;
    auto f = detail::EntryFields(line);
    if (f && detail::SameEntry(*f, escaped, src)) {
      edit.changed = true;
      continue;
    }
    edit.text += line;
  }
  return edit;
}

// ---- debconf ----

/// `debconf-show <package>`: "* question: value" (the star marks seen
/// questions) -> question -> value.
inline std::map<std::string, std::string> ParseDebconfShow(std::string_view text) {
  std::map<std::string, std::string> out;
  auto trim = [](std::string_view s, std::string_view chars) {
    while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
    while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
    return std::string(s);
  };
  for (const auto& line : Lines(text)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = trim(trim(std::string_view(line).substr(0, colon), "*"), " \t*");
    out[key] = trim(std::string_view(line).substr(colon + 1), " \t");
  }
  return out;
}

}  // namespace tend::tools
