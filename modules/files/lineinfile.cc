#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/regex.h"
#include "modules/framework/lines.h"
#include "modules/framework/text.h"
#include "core/strings.h"

namespace tend {
namespace {

std::string StripEnd(std::string_view line) { return std::string(StripTrailingNewlines(line)); }

std::string JoinLines(const std::vector<std::string>& lines) { return Join(lines, ""); }

struct Matcher {
  std::optional<Regex> regexp;
  std::string search_string;
  bool use_search = false;
  std::string line;

  bool Matches(const std::string& current) const {
    if (regexp) return regexp->Contains(current);
    if (use_search) return current.find(search_string) != std::string::npos;
    return StripEnd(current) == line;
  }
};

Expected<std::string> Present(ModuleContext& context, std::vector<std::string> lines,
                              const Matcher& matcher, std::string& msg) {
  std::string line = context.Str("line");
  std::string after = context.Str("insertafter"), before = context.Str("insertbefore");
  std::optional<Regex> insert_re;
  std::string insert_pattern = !after.empty() && after != "EOF"     ? after
                               : !before.empty() && before != "BOF" ? before
                                                                    : "";
  if (!insert_pattern.empty()) {
    auto compiled =
        CompilePythonRegex(insert_pattern, after.empty() ? "insertbefore" : "insertafter");
    if (!compiled) return std::unexpected(compiled.error());
    insert_re = std::move(*compiled);
  }
  bool firstmatch = context.Bool("firstmatch");
  int found = -1, insert_at = -1;
  std::string matched_line;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (matcher.Matches(lines[i])) {
      found = static_cast<int>(i);
      matched_line = lines[i];
      if (firstmatch) break;
    } else if (insert_re && insert_re->Contains(lines[i])) {
      insert_at = static_cast<int>(i) + (after.empty() ? 0 : 1);
      if (firstmatch) break;
    }
  }
  // No regexp or search_string match: a line equal to `line` counts as found
  // (the last one), so a second run after a replacement changes nothing.
  bool exact = false;
  if (found < 0 && (matcher.regexp || matcher.use_search)) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (StripEnd(lines[i]) == line) found = static_cast<int>(i), exact = true;
    }
  }
  bool backrefs = context.Bool("backrefs");
  if (found >= 0) {
    std::string new_line = line;
    if (backrefs && matcher.regexp && !exact) {
      auto kept = matcher.regexp->Search(matched_line);
      if (!kept) return std::unexpected(kept.error());
      auto expanded = ExpandMatch(**kept, line);
      if (!expanded) return std::unexpected(expanded.error());
      new_line = *expanded;
    }
    if (!new_line.ends_with('\n')) new_line += '\n';
    if (lines[found] != new_line) {
      lines[found] = new_line;
      msg = "line replaced";
    }
  } else if (backrefs) {
    // Without a match there is nothing to fill the backreferences from.
  } else if (before == "BOF" || after == "BOF") {
    lines.insert(lines.begin(), line + "\n");
    msg = "line added";
  } else if (after == "EOF" || insert_at == -1) {
    if (!lines.empty() && !lines.back().ends_with('\n')) lines.back() += '\n';
    lines.push_back(line + "\n");
    msg = "line added";
  } else if (!after.empty()) {
    size_t at = static_cast<size_t>(insert_at);
    if (at == lines.size()) {
      if (StripEnd(lines[at - 1]) != line) {
        lines.push_back(line + "\n");
        msg = "line added";
      }
    } else if (StripEnd(lines[at]) != line) {
      lines.insert(lines.begin() + insert_at, line + "\n");
      msg = "line added";
    }
  } else {
    lines.insert(lines.begin() + insert_at, line + "\n");
    msg = "line added";
  }
  return JoinLines(lines);
}

}  // namespace

const ModuleSpec& LineinfileSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "lineinfile",
        .short_description = "Manage lines in text files",
        .args = {{.name = "path",
                  .type = ArgType::kPath,
                  .required = true,
                  .aliases = {"dest", "destfile", "name"}},
                 {.name = "state",
                  .type = ArgType::kStr,
                  .default_value = "present",
                  .choices = {"absent", "present"}},
                 {.name = "regexp", .type = ArgType::kStr, .aliases = {"regex"}},
                 {.name = "search_string", .type = ArgType::kStr},
                 {.name = "line", .type = ArgType::kStr, .aliases = {"value"}},
                 {.name = "insertafter", .type = ArgType::kStr},
                 {.name = "insertbefore", .type = ArgType::kStr},
                 {.name = "backrefs", .type = ArgType::kBool, .default_value = false},
                 {.name = "create", .type = ArgType::kBool, .default_value = false},
                 {.name = "backup", .type = ArgType::kBool, .default_value = false},
                 {.name = "firstmatch", .type = ArgType::kBool, .default_value = false},
                 {.name = "validate", .type = ArgType::kStr}},
        .mutually_exclusive = {{"insertbefore", "insertafter"},
                               {"regexp", "search_string"},
                               {"backrefs", "search_string"}},
        .supports_diff = true,
        .returns = {"msg", "backup", "diff", "warnings"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

namespace {

// Ansible warns that an empty regexp or search_string matches every line (so
// `line` replaces the last one rather than being appended).
std::optional<std::string> EmptyPatternWarning(ModuleContext& context) {
  bool regexp = context.Has("regexp") && context.Str("regexp").empty();
  bool search = context.Has("search_string") && context.Str("search_string").empty();
  if (!regexp && !search) return std::nullopt;
  std::string msg = fmt::format(
      "The {} is an empty string, which will match every line in the file. This may have "
      "unintended consequences, such as replacing the last line in the file rather than "
      "appending.",
      regexp ? "regular expression" : "search string");
  if (regexp) {
    msg += " If this is desired, use '^' to match every line in the file and avoid this warning.";
  }
  return msg;
}

Expected<Json> EditLines(ModuleContext& context) {
  Host& host = context.Machine();
  std::string path = ExpandUser(host, context.Str("path"));
  bool present = context.Str("state", "present") == "present";
  if (present && !context.Has("line")) return Fail("line is required with state=present");
  if (!present && !context.Has("regexp") && !context.Has("search_string") && !context.Has("line")) {
    return Fail("one of line, search_string, or regexp is required with state=absent");
  }
  if (context.Bool("backrefs") && !context.Has("regexp")) {
    return Fail("regexp is required with backrefs=true");
  }
  Matcher matcher{.regexp = std::nullopt,
                  .search_string = context.Str("search_string"),
                  .use_search = context.Has("search_string"),
                  .line = context.Str("line")};
  if (context.Has("regexp")) {
    auto compiled = CompilePythonRegex(context.Str("regexp"), "regexp");
    if (!compiled) return std::unexpected(compiled.error());
    matcher.regexp = std::move(*compiled);
  }
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  if (info->kind == FileKind::kDirectory)
    return Fail(fmt::format("Path {} is a directory !", path));
  std::optional<std::string> before;
  if (info->exists()) {
    auto content = host.ReadFile(path);
    if (!content) return std::unexpected(content.error());
    before = std::move(*content);
  } else if (!present) {
    return Json{{"changed", false}, {"found", 0}, {"msg", "file not present"}};
  } else if (!context.Bool("create")) {
    return Json{{"changed", false},
                {"failed", true},
                {"rc", 257},
                {"msg", fmt::format("Destination {} does not exist !", path)}};
  }
  std::vector<std::string> lines = SplitKeepEnds(before.value_or(""));
  std::string msg;
  std::string after;
  if (present) {
    auto edited = Present(context, lines, matcher, msg);
    if (!edited) return std::unexpected(edited.error());
    after = *edited;
  } else {
    size_t count = lines.size();
    std::erase_if(lines, [&](const std::string& l) { return matcher.Matches(l); });
    count -= lines.size();
    after = JoinLines(lines);
    msg = fmt::format("{} line(s) removed", count);
    auto result = FinishTextEdit(context, path, before, after, msg);
    if (result) (*result)["found"] = count;
    return result;
  }
  if (!before) msg = msg.empty() ? "file created" : msg;
  return FinishTextEdit(context, path, before, after, msg);
}

}  // namespace

Expected<Json> RunLineinfile(ModuleContext& context) {
  auto result = EditLines(context);
  auto warning = EmptyPatternWarning(context);
  if (result && warning) (*result)["warnings"] = Json::array({*warning});
  return result;
}

}  // namespace tend
