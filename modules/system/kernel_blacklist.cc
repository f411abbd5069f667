// kernel_blacklist (community.general): a "blacklist <name>" line in a
// modprobe.d file, added or removed natively. As Ansible, a missing file is
// created (also for state=absent), and a file that changes is rewritten with
// trailing whitespace stripped from its lines.

#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/parsers/kernel_parse.h"

namespace tend {
namespace {

bool Blacklisted(const std::vector<std::string>& lines, const std::string& name) {
  for (const auto& line : lines) {
    if (kernel::Strip(line).starts_with('#')) continue;
    if (kernel::BlacklistsModule(line, name)) return true;
  }
  return false;
}

// The file's lines as Ansible holds them: without line ends or trailing blanks.
std::vector<std::string> ReadLines(const std::string& content) {
  std::vector<std::string> lines;
  for (const auto& line : kernel::LinesWithEnds(content)) {
    lines.emplace_back(kernel::StripRight(line));
  }
  return lines;
}

std::vector<std::string> Without(const std::vector<std::string>& lines, const std::string& name) {
  std::vector<std::string> kept;
  for (const auto& line : lines) {
    if (!kernel::BlacklistsModule(line, name)) kept.push_back(line);
  }
  return kept;
}

Expected<void> Write(Host& host, const std::string& path, const FileInfo& info,
                     const std::vector<std::string>& lines) {
  std::string content;
  for (const auto& line : lines) content += line + "\n";
  FileAttrs attrs{.mode = 0644, .uid = {}, .gid = {}};
  if (info.exists()) attrs = {.mode = info.mode & 07777, .uid = info.uid, .gid = info.gid};
  return host.WriteFileAtomic(path, StringSource(std::move(content)), attrs);
}

}  // namespace

const ModuleSpec& KernelBlacklistSpec() {
  static const ModuleSpec spec{
      .name = "kernel_blacklist",
      .short_description = "Blacklist kernel modules",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}},
               {.name = "blacklist_file",
                .type = ArgType::kStr,
                .default_value = "/etc/modprobe.d/blacklist-ansible.conf"}},
      .supports_diff = true,
      .returns = {"name", "state", "filename", "lines", "is_blacklisted", "diff"},
  };
  return spec;
}

Expected<Json> RunKernelBlacklist(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = context.Str("name");
  std::string path = context.Str("blacklist_file");
  if (name.empty() || name.find_first_of(" \t\n") != std::string::npos) {
    return Fail(fmt::format("name: '{}' is not a kernel module name", name));
  }
  if (!path.starts_with('/'))
    return Fail(fmt::format("blacklist_file: '{}' is not an absolute path", path));
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  if (info->exists() && info->kind != FileKind::kFile) {
    return Fail(fmt::format("blacklist_file: {} is not a regular file", path));
  }
  std::vector<std::string> before;
  if (info->exists()) {
    auto content = host.ReadFile(path);
    if (!content) return std::unexpected(content.error());
    before = ReadLines(*content);
  }
  bool present = context.Str("state") == "present";
  bool blacklisted = Blacklisted(before, name);
  std::vector<std::string> after = before;
  if (present && !blacklisted) after.push_back("blacklist " + name);
  if (!present && blacklisted) after = Without(before, name);
  bool changed = !info->exists() || after != before;
  Json result{{"changed", changed}, {"name", name},   {"state", context.Str("state")},
              {"filename", path},   {"lines", after}, {"is_blacklisted", present}};
  if (context.diff && after != before) {
    result["diff"] = {{"before", {{"lines", before}}}, {"after", {{"lines", after}}}};
  }
  if (!changed || context.check) return result;
  auto written = Write(host, path, *info, after);
  if (!written) return std::unexpected(written.error());
  return result;
}

}  // namespace tend
