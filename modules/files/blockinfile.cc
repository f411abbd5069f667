#include <fmt/format.h>

#include <algorithm>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/regex.h"
#include "modules/framework/lines.h"
#include "modules/framework/text.h"
#include "core/strings.h"

namespace tend {
namespace {

// Every `{mark}` in the marker, as Ansible's re.sub replaces them.
std::string MarkerLine(std::string marker, std::string_view mark) {
  for (size_t pos = marker.find("{mark}"); pos != std::string::npos;
       pos = marker.find("{mark}", pos + mark.size())) {
    marker.replace(pos, 6, mark);
  }
  return marker + "\n";
}

// A pattern with an inline (?m) is searched in the whole text, as Ansible
// checks re.MULTILINE; others line by line.
bool InlineMultiline(std::string_view pattern) {
  static const Regex kFlags = Regex::Fixed(R"(^\(\?[aiLsux]*m)");
  return kFlags.Contains(pattern);
}

// Where a new block goes when the markers are not both there: after the last
// line matching insertafter, before the last matching insertbefore, at BOF,
// or at the end (Ansible's n0).
Expected<size_t> InsertPosition(ModuleContext& context, const std::string& original,
                                const std::vector<std::string>& lines) {
  bool has_after = context.Has("insertafter"), has_before = context.Has("insertbefore");
  std::string after = has_after ? context.Str("insertafter") : "EOF";
  std::string before = context.Str("insertbefore");
  std::string pattern = after != "EOF" ? after : has_before && before != "BOF" ? before : "";
  if (pattern.empty()) return has_before ? 0 : lines.size();
  auto re = CompilePythonRegex(pattern, has_before ? "insertbefore" : "insertafter");
  if (!re) return std::unexpected(re.error());
  std::optional<size_t> found;
  if (InlineMultiline(pattern)) {
    auto m = re->Search(original);
    if (!m) return std::unexpected(m.error());
    if (*m) {
      size_t upto = has_before ? (*m)->Start() : (*m)->End();
      found = std::count(original.begin(), original.begin() + upto, '\n');
    }
  } else {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (re->Contains(lines[i])) found = i;
    }
  }
  if (!found) return lines.size();
  return has_before ? *found : *found + 1;
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
  bool present = context.Str("state", "present") == "present";
  if (!present && !before) {
    return Json{{"changed", false}, {"msg", fmt::format("File {} not present", path)}};
  }
  // Lines keep their own endings ("\r\n" stays), as Ansible edits bytes.
  std::string begin = MarkerLine(context.Str("marker"), context.Str("marker_begin", "BEGIN"));
  std::string end = MarkerLine(context.Str("marker"), context.Str("marker_end", "END"));
  std::string block = context.Str("block");
  std::vector<std::string> block_lines;
  if (present && !block.empty()) {
    if (!block.ends_with('\n')) block += '\n';
    block_lines.push_back(begin);
    for (auto& l : SplitKeepEnds(block)) block_lines.push_back(std::move(l));
    block_lines.push_back(end);
  }
  std::vector<std::string> lines = SplitKeepEnds(before.value_or(""));
  std::optional<size_t> n0, n1;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] == begin) n0 = i;
    if (lines[i] == end) n1 = i;
  }
  size_t at;
  if (!n0 || !n1) {
    auto pos = InsertPosition(context, before.value_or(""), lines);
    if (!pos) return std::unexpected(pos.error());
    at = *pos;
  } else {
    size_t lo = std::min(*n0, *n1), hi = std::max(*n0, *n1);
    lines.erase(lines.begin() + lo, lines.begin() + hi + 1);
    at = lo;
  }
  if (at > 0 && !lines[at - 1].ends_with('\n')) lines[at - 1] += '\n';
  lines.insert(lines.begin() + at, block_lines.begin(), block_lines.end());
  std::string after = Join(lines, "");
  std::string msg = !before               ? "File created"
                    : block_lines.empty() ? "Block removed"
                                          : "Block inserted";
  return FinishTextEdit(context, path, before, after, msg);
}

}  // namespace tend
