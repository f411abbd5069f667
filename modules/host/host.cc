#include "modules/host/host.h"

#include <fmt/format.h>

#include <charconv>

namespace tend {
namespace {

std::vector<std::string_view> SplitFields(std::string_view line, char sep) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    size_t pos = line.find(sep, start);
    fields.push_back(line.substr(start, pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return fields;
}

template <class T>
std::optional<T> ParseId(std::string_view s) {
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return value;
}

// Calls `fn` for each line that is not empty, a comment or an NIS "+" entry.
template <class Fn>
void ForEachLine(std::string_view content, Fn fn) {
  for (auto line : SplitFields(content, '\n')) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#' || line.front() == '+' || line.front() == '-') continue;
    fn(line);
  }
}

}  // namespace

ContentSource StringSource(std::string content) {
  return [content = std::move(content)](const auto& emit) { return emit(content); };
}

std::vector<PasswdEntry> ParsePasswd(std::string_view content) {
  std::vector<PasswdEntry> out;
  ForEachLine(content, [&](std::string_view line) {
    auto f = SplitFields(line, ':');
    if (f.size() != 7) return;
    auto uid = ParseId<uid_t>(f[2]);
    auto gid = ParseId<gid_t>(f[3]);
    if (!uid || !gid || f[0].empty()) return;
    out.push_back(PasswdEntry{std::string(f[0]), std::string(f[1]), *uid, *gid, std::string(f[4]),
                              std::string(f[5]), std::string(f[6])});
  });
  return out;
}

std::vector<GroupEntry> ParseGroup(std::string_view content) {
  std::vector<GroupEntry> out;
  ForEachLine(content, [&](std::string_view line) {
    auto f = SplitFields(line, ':');
    if (f.size() != 4) return;
    auto gid = ParseId<gid_t>(f[2]);
    if (!gid || f[0].empty()) return;
    GroupEntry entry{std::string(f[0]), std::string(f[1]), *gid, {}};
    if (!f[3].empty()) {
      for (auto m : SplitFields(f[3], ',')) {
        if (!m.empty()) entry.members.emplace_back(m);
      }
    }
    out.push_back(std::move(entry));
  });
  return out;
}

std::map<std::string, ShadowEntry> ParseShadow(std::string_view content) {
  std::map<std::string, ShadowEntry> out;
  ForEachLine(content, [&](std::string_view line) {
    auto f = SplitFields(line, ':');
    if (f.size() < 2 || f[0].empty()) return;
    ShadowEntry entry{.password = std::string(f[1])};
    if (f.size() > 7) {
      if (auto days = ParseId<int64_t>(f[7])) entry.expire_days = *days;
    }
    if (f.size() > 4) {
      if (auto days = ParseId<int64_t>(f[3])) entry.min_days = *days;
      if (auto days = ParseId<int64_t>(f[4])) entry.max_days = *days;
    }
    out[std::string(f[0])] = std::move(entry);
  });
  return out;
}

Expected<void> Host::ReadFileChunks(const std::string& path,
                                    const std::function<void(std::string_view)>& sink) {
  auto content = ReadFile(path);
  if (!content) return std::unexpected(content.error());
  sink(*content);
  return {};
}

Expected<std::string> Host::FileChecksum(const std::string& path, HashAlgorithm algorithm) {
  auto content = ReadFile(path);
  if (!content) return std::unexpected(content.error());
  return HexDigest(algorithm, *content);
}

Expected<std::vector<PasswdEntry>> Host::Users() {
  auto content = ReadFile("/etc/passwd");
  if (!content) return std::unexpected(content.error());
  return ParsePasswd(*content);
}

Expected<std::vector<GroupEntry>> Host::Groups() {
  auto content = ReadFile("/etc/group");
  if (!content) return std::unexpected(content.error());
  return ParseGroup(*content);
}

Expected<std::optional<PasswdEntry>> Host::FindUser(std::string_view name) {
  auto users = Users();
  if (!users) return std::unexpected(users.error());
  for (auto& u : *users) {
    if (u.name == name) return std::move(u);
  }
  return std::nullopt;
}

Expected<std::optional<GroupEntry>> Host::FindGroup(std::string_view name) {
  auto groups = Groups();
  if (!groups) return std::unexpected(groups.error());
  for (auto& g : *groups) {
    if (g.name == name) return std::move(g);
  }
  return std::nullopt;
}

Expected<uid_t> ResolveUid(Host& host, const std::string& owner) {
  if (auto id = ParseId<uid_t>(owner)) return *id;
  auto user = host.FindUser(owner);
  if (!user) return std::unexpected(user.error());
  if (!*user) return Fail(fmt::format("chown failed: failed to look up user {}", owner));
  return (*user)->uid;
}

Expected<gid_t> ResolveGid(Host& host, const std::string& group) {
  if (auto id = ParseId<gid_t>(group)) return *id;
  auto entry = host.FindGroup(group);
  if (!entry) return std::unexpected(entry.error());
  if (!*entry) return Fail(fmt::format("chgrp failed: failed to look up group {}", group));
  return (*entry)->gid;
}

}  // namespace tend
