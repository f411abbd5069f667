#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/regex.h"

namespace tend {
namespace {

// The [begin, end) section the replacement applies to (after/before).
Expected<std::pair<size_t, size_t>> Section(ModuleContext& context, const std::string& content) {
  size_t begin = 0, end = content.size();
  if (context.Has("after")) {
    auto re = CompilePythonRegex(context.Str("after"), "after");
    if (!re) return std::unexpected(re.error());
    auto m = re->Search(content);
    if (!m) return std::unexpected(m.error());
    begin = *m ? (*m)->End() : content.size();
  }
  if (context.Has("before")) {
    auto re = CompilePythonRegex(context.Str("before"), "before");
    if (!re) return std::unexpected(re.error());
    std::string_view tail = std::string_view(content).substr(begin);
    auto m = re->Search(tail);
    if (!m) return std::unexpected(m.error());
    if (*m) end = begin + (*m)->Start();
  }
  return std::pair{begin, std::max(begin, end)};
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
  auto section = Section(context, *before);
  if (!section) return std::unexpected(section.error());
  auto [begin, end] = *section;
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
