#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/regex.h"

namespace tend {
namespace {

// Ansible's section pattern: after and before joined around a named group,
// so `before` alone runs to its last match and both take the nearest pair.
std::string SectionPattern(ModuleContext& context) {
  bool after = context.Has("after") && !context.Str("after").empty();
  bool before = context.Has("before") && !context.Str("before").empty();
  if (after && before) {
    return fmt::format("{}(?P<subsection>.*?){}", context.Str("after"), context.Str("before"));
  }
  if (after) return fmt::format("{}(?P<subsection>.*)", context.Str("after"));
  if (before) return fmt::format("(?P<subsection>.*){}", context.Str("before"));
  return "";
}

// The [begin, end) section the replacement applies to, or nullopt when the
// after/before pattern does not match (the module then changes nothing).
Expected<std::optional<std::pair<size_t, size_t>>> Section(const std::string& pattern,
                                                           const std::string& content) {
  if (pattern.empty()) return std::pair<size_t, size_t>{0, content.size()};
  auto re = Regex::Compile(pattern, {.dotall = true});
  if (!re) {
    return Fail(fmt::format("after/before is not a valid regular expression: {}: {}", pattern,
                            re.error().message));
  }
  auto m = re->Search(content);
  if (!m) return std::unexpected(m.error());
  if (!*m) return std::nullopt;
  size_t group = *(*m)->GroupNumber("subsection");
  auto text = (*m)->Group(group);
  size_t begin = text->data() - content.data();
  return std::pair{begin, begin + text->size()};
}

}  // namespace

const ModuleSpec& ReplaceSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "replace",
        .short_description = "Replace all instances of a pattern within a file",
        .args = {{.name = "path",
                  .type = ArgType::kPath,
                  .required = true,
                  .aliases = {"dest", "destfile", "name"}},
                 {.name = "regexp", .type = ArgType::kStr, .required = true},
                 {.name = "replace", .type = ArgType::kStr, .default_value = ""},
                 {.name = "after", .type = ArgType::kStr},
                 {.name = "before", .type = ArgType::kStr},
                 {.name = "backup", .type = ArgType::kBool, .default_value = false},
                 {.name = "validate", .type = ArgType::kStr},
                 {.name = "encoding", .type = ArgType::kStr, .default_value = "utf-8"}},
        .supports_diff = true,
        .returns = {"msg", "backup_file", "diff"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunReplace(ModuleContext& context) {
  Host& host = context.Machine();
  std::string path = ExpandUser(host, context.Str("path"));
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  if (info->kind == FileKind::kDirectory)
    return Fail(fmt::format("Path {} is a directory !", path));
  if (!info->exists()) {
    return Json{{"changed", false},
                {"failed", true},
                {"rc", 257},
                {"msg", fmt::format("Path {} does not exist !", path)}};
  }
  auto before = host.ReadFile(path);
  if (!before) return std::unexpected(before.error());
  auto re = CompilePythonRegex(context.Str("regexp"), "regexp");
  if (!re) return std::unexpected(re.error());
  std::string pattern = SectionPattern(context);
  auto section = Section(pattern, *before);
  if (!section) return std::unexpected(section.error());
  if (!*section) {
    return Json{{"changed", false},
                {"msg", "Pattern for before/after params did not match the given file: " + pattern}};
  }
  auto [begin, end] = **section;
  std::string middle = before->substr(begin, end - begin);
  auto matches = re->FindAll(middle);
  if (!matches) return std::unexpected(matches.error());
  size_t count = matches->size();
  auto replaced = re->Replace(middle, context.Str("replace"));
  if (!replaced) return std::unexpected(replaced.error());
  std::string after = before->substr(0, begin) + *replaced + before->substr(end);
  auto result =
      FinishTextEdit(context, path, *before, after, fmt::format("{} replacements made", count));
  if (result && count > 0 && after == *before) (*result)["msg"] = "";
  return result;
}

}  // namespace tend
