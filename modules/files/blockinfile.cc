#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/regex.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& l : SplitLines(text)) out.push_back(l.get<std::string>());
  return out;
}

std::string Replace(std::string s, std::string_view what, std::string_view with) {
  size_t pos = s.find(what);
  if (pos != std::string::npos) s.replace(pos, what.size(), with);
  return s;
}

// Where a new block goes: after the last insertafter match, before the last
// insertbefore match, at BOF, or at the end.
Expected<size_t> InsertPosition(ModuleContext& context, const std::vector<std::string>& lines) {
  std::string after = context.Str("insertafter"), before = context.Str("insertbefore");
  if (before == "BOF") return 0;
  std::string pattern = !after.empty() && after != "EOF" ? after : before;
  if (pattern.empty()) return lines.size();
  auto re = CompilePythonRegex(pattern, after.empty() ? "insertbefore" : "insertafter");
  if (!re) return std::unexpected(re.error());
  std::optional<size_t> found;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (re->Contains(lines[i])) found = after.empty() ? i : i + 1;
  }
  return found.value_or(lines.size());
}

}  // namespace

const ModuleSpec& BlockinfileSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "blockinfile",
        .short_description = "Insert/update/remove a text block surrounded by marker lines",
        .args =
            {{.name = "path",
              .type = ArgType::kPath,
              .required = true,
              .aliases = {"dest", "destfile", "name"}},
             {.name = "state",
              .type = ArgType::kStr,
              .default_value = "present",
              .choices = {"absent", "present"}},
             {.name = "marker",
              .type = ArgType::kStr,
              .default_value = "# {mark} ANSIBLE MANAGED BLOCK"},
             {.name = "block", .type = ArgType::kStr, .default_value = "", .aliases = {"content"}},
             {.name = "insertafter", .type = ArgType::kStr},
             {.name = "insertbefore", .type = ArgType::kStr},
             {.name = "create", .type = ArgType::kBool, .default_value = false},
             {.name = "backup", .type = ArgType::kBool, .default_value = false},
             {.name = "marker_begin", .type = ArgType::kStr, .default_value = "BEGIN"},
             {.name = "marker_end", .type = ArgType::kStr, .default_value = "END"},
             {.name = "append_newline", .type = ArgType::kBool, .default_value = false},
             {.name = "prepend_newline", .type = ArgType::kBool, .default_value = false},
             {.name = "validate", .type = ArgType::kStr}},
        .mutually_exclusive = {{"insertbefore", "insertafter"}},
        .supports_diff = true,
        .returns = {"msg", "backup", "diff"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunBlockinfile(ModuleContext& context) {
  Host& host = context.Machine();
  std::string path = ExpandUser(host, context.Str("path"));
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  if (info->kind == FileKind::kDirectory)
    return Fail(fmt::format("Path {} is a directory !", path));
  std::optional<std::string> before;
  if (info->exists()) {
    auto content = host.ReadFile(path);
    if (!content) return std::unexpected(content.error());
    before = std::move(*content);
  } else if (!context.Bool("create")) {
    return Json{{"changed", false},
                {"failed", true},
                {"rc", 257},
                {"msg", fmt::format("Path {} does not exist !", path)}};
  }
  std::string marker = context.Str("marker");
  std::string begin = Replace(marker, "{mark}", context.Str("marker_begin", "BEGIN"));
  std::string end = Replace(marker, "{mark}", context.Str("marker_end", "END"));
  std::string block = context.Str("block");
  bool present = context.Str("state", "present") == "present";
  std::vector<std::string> block_lines;
  if (present && !block.empty()) {
    block_lines.push_back(begin);
    for (auto& l : Lines(block)) block_lines.push_back(l);
    block_lines.push_back(end);
  }
  std::vector<std::string> lines = Lines(before.value_or(""));
  std::optional<size_t> n0, n1;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == begin) n0 = i;
    if (lines[i] == end) n1 = i;
  }
  size_t at;
  if (!n0 || !n1) {
    auto pos = InsertPosition(context, lines);
    if (!pos) return std::unexpected(pos.error());
    at = *pos;
  } else {
    size_t lo = std::min(*n0, *n1), hi = std::max(*n0, *n1);
    lines.erase(lines.begin() + lo, lines.begin() + hi + 1);
    at = lo;
  }
  lines.insert(lines.begin() + at, block_lines.begin(), block_lines.end());
  std::string after;
  for (const auto& l : lines) after += l + "\n";
  std::string msg = !before               ? "File created"
                    : block_lines.empty() ? "Block removed"
                                          : "Block inserted";
  if (!before && block_lines.empty()) return Json{{"changed", false}, {"msg", ""}};
  return FinishTextEdit(context, path, before, after, msg);
}

}  // namespace tend
