#include <fmt/format.h>

#include "core/hash.h"
#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// Diffs of bigger files are skipped, as Ansible does past max_file_size_for_diff.
constexpr uint64_t kMaxDiffSize = 104448;

std::vector<ArgSpec> CopyArgs() {
  std::vector<ArgSpec> args{
      {.name = "dest", .type = ArgType::kPath, .required = true},
      {.name = "src", .type = ArgType::kPath},
      {.name = "content", .type = ArgType::kStr, .no_log = true},
      {.name = "backup", .type = ArgType::kBool, .default_value = false},
      {.name = "force", .type = ArgType::kBool, .default_value = true, .aliases = {"thirsty"}},
      {.name = "validate", .type = ArgType::kStr},
      {.name = "remote_src", .type = ArgType::kBool, .default_value = false},
      {.name = "directory_mode", .type = ArgType::kRaw},
      {.name = "follow", .type = ArgType::kBool, .default_value = false},
      {.name = "local_follow", .type = ArgType::kBool, .default_value = true},
      {.name = "checksum", .type = ArgType::kStr},
      {.name = "decrypt", .type = ArgType::kBool, .default_value = true},
  };
  for (auto& a : FileAttributeArgs()) args.push_back(a);
  return args;
}

// Where the new content comes from: inline `content`, the controller's
// `_content` (streamed on demand), or a file on the target (remote_src).
struct Source {
  std::string sha1;
  uint64_t size = 0;
  std::optional<std::string> inline_content{};
  std::string remote_path{};
};

Expected<Source> FindSource(ModuleContext& context) {
  Host& host = context.Machine();
  if (context.Has("content")) {
    std::string content = context.Str("content");
    return Source{Sha1Hex(content), content.size(), content};
  }
  if (context.Bool("remote_src")) {
    std::string src = ExpandUser(host, context.Str("src"));
    if (src.empty()) return Fail("src (or content) is required");
    auto info = host.Stat(src);
    if (!info) return std::unexpected(info.error());
    if (!info->exists()) return Fail(fmt::format("Source {} not found", src));
    if (info->kind == FileKind::kDirectory) {
      return Fail(fmt::format("Remote copy of directory {} is not supported yet", src));
    }
    auto sum = host.FileChecksum(src);
    if (!sum) return std::unexpected(sum.error());
    return Source{*sum, info->size, std::nullopt, src};
  }
  auto it = context.args.find(protocol::kContentArg);
  if (it == context.args.end() || !it->is_object()) return Fail("src (or content) is required");
  // Small content may ride along as "text", saving the need_content round trip.
  std::optional<std::string> text;
  if (auto t = it->find("text"); t != it->end() && t->is_string()) text = t->get<std::string>();
  std::string sha1 = it->value("sha1", "");
  if (text && sha1.empty()) sha1 = Sha1Hex(*text);
  return Source{sha1, text ? text->size() : it->value("size", uint64_t{0}), text, ""};
}

ContentSource OpenSource(ModuleContext& context, const Source& source) {
  if (source.inline_content) return StringSource(*source.inline_content);
  if (!source.remote_path.empty()) {
    Host* host = context.host;
    std::string path = source.remote_path;
    return [host, path](const auto& emit) -> Expected<void> {
      std::optional<Error> failed;
      auto ok = host->ReadFileChunks(path, [&](std::string_view chunk) {
        if (!failed) {
          if (auto e = emit(chunk); !e) failed = e.error();
        }
      });
      if (failed) return std::unexpected(*failed);
      return ok;
    };
  }
  if (!context.fetch_content) {
    return [](const auto&) -> Expected<void> {
      return Fail("no controller is attached to send the content");
    };
  }
  return context.fetch_content();
}

// dest/ or an existing directory means "into that directory".
Expected<std::string> ResolveDest(ModuleContext& context) {
  Host& host = context.Machine();
  std::string dest = ExpandUser(host, context.Str("dest"));
  auto info = host.Stat(dest);
  if (!info) return std::unexpected(info.error());
  bool into_dir = dest.ends_with('/') || info->kind == FileKind::kDirectory;
  if (!into_dir) return dest;
  if (context.Has("content")) return Fail("can not use content with a dir as dest");
  std::string src = context.Str("src");
  if (src.empty()) return Fail(fmt::format("{} is a directory and no src name is known", dest));
  return JoinPath(dest, BaseName(src.ends_with('/') ? src.substr(0, src.size() - 1) : src));
}

// The diff, and the new content when it was read for it: the controller
// sends a request's content once, so the write must reuse it (issue 21:
// --diff made copy src= and template fail with "already received").
struct ContentDiffResult {
  Json diff;
  std::optional<std::string> after;
};

ContentDiffResult ContentDiff(ModuleContext& context, const std::string& dest,
                              const FileInfo& info, const Source& source) {
  if (info.size > kMaxDiffSize || source.size > kMaxDiffSize) {
    return {Json{{"before_header", dest},
                 {"after_header", dest},
                 {"before", ""},
                 {"after", ""},
                 {"dst_larger", kMaxDiffSize}},
            std::nullopt};
  }
  std::string before = info.exists() ? context.Machine().ReadFile(dest).value_or("") : "";
  std::string after;
  auto ok = OpenSource(context, source)([&](std::string_view chunk) -> Expected<void> {
    after.append(chunk);
    return {};
  });
  if (!ok) return {MakeDiff(dest, before, dest, ""), std::nullopt};
  Json diff = MakeDiff(dest, before, dest, after);
  return {std::move(diff), std::move(after)};
}

}  // namespace

const ModuleSpec& CopySpec() {
  static const ModuleSpec spec{
      .name = "copy",
      .short_description = "Copy files to remote locations",
      .args = CopyArgs(),
      .mutually_exclusive = {{"content", "src"}},
      .supports_diff = true,
      .returns = {"dest", "src", "checksum", "size", "mode", "owner", "group", "uid", "gid",
                  "state", "backup_file", "diff"},
  };
  return spec;
}

const ModuleSpec& TemplateSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "template",
        .short_description = "Template a file out to a target host (rendered on the controller)",
        .args = CopyArgs(),
        .supports_diff = true,
        .returns = CopySpec().returns,
    };
    // Only the controller reads these; the agent receives the rendered text.
    for (const char* name :
         {"newline_sequence", "block_start_string", "block_end_string", "variable_start_string",
          "variable_end_string", "comment_start_string", "comment_end_string", "output_encoding"}) {
      s.args.push_back({.name = name, .type = ArgType::kStr});
    }
    for (const char* name : {"trim_blocks", "lstrip_blocks"}) {
      s.args.push_back({.name = name, .type = ArgType::kBool});
    }
    std::erase_if(s.args, [](const ArgSpec& a) {
      return a.name == "content" || a.name == "remote_src" || a.name == "local_follow" ||
             a.name == "decrypt" || a.name == "directory_mode";
    });
    for (auto& a : s.args) {
      if (a.name == "src") a.required = true;
    }
    return s;
  }();
  return spec;
}

Expected<Json> RunCopy(ModuleContext& context) {
  Host& host = context.Machine();
  auto source = FindSource(context);
  if (!source) return std::unexpected(source.error());
  auto dest = ResolveDest(context);
  if (!dest) return std::unexpected(dest.error());
  auto parent = host.Stat(DirName(*dest));
  if (!parent) return std::unexpected(parent.error());
  if (parent->kind != FileKind::kDirectory) {
    return Fail(fmt::format("Destination directory {} does not exist", DirName(*dest)));
  }
  auto info = host.Stat(*dest, context.Bool("follow"));
  if (!info) return std::unexpected(info.error());
  Json result{
      {"changed", false}, {"dest", *dest}, {"checksum", source->sha1}, {"size", source->size}};
  if (context.Has("src")) result["src"] = context.Str("src");
  // Checksums first: an unchanged file moves no content.
  bool differs = !info->exists();
  if (info->exists() && context.Bool("force", true)) {
    auto sum = host.FileChecksum(*dest);
    if (!sum) return std::unexpected(sum.error());
    differs = *sum != source->sha1;
  }
  if (differs) {
    result["changed"] = true;
    std::optional<std::string> received;
    if (context.diff) {
      auto diffed = ContentDiff(context, *dest, *info, *source);
      result["diff"] = Json::array({std::move(diffed.diff)});
      received = std::move(diffed.after);
    }
    if (context.check) return result;
    if (info->exists() && context.Bool("backup")) {
      auto backup = BackupFile(host, *dest);
      if (!backup) return std::unexpected(backup.error());
      result["backup_file"] = *backup;
    }
    auto attrs = RequestedAttrs(context, info->exists() ? info->mode : 0644, false);
    if (!attrs) return std::unexpected(attrs.error());
    auto written = WriteValidated(
        context, *dest, received ? StringSource(*received) : OpenSource(context, *source), *attrs);
    if (!written) return std::unexpected(written.error());
  } else {
    auto attrs = ApplyFileAttributes(context, *dest, *info);
    if (!attrs) return std::unexpected(attrs.error());
    if (*attrs) result["changed"] = true;
  }
  if (!context.check) AddFileFacts(host, *dest, result);
  return result;
}

Expected<Json> RunTemplate(ModuleContext& context) {
  // The controller rendered the template and announced the text as
  // `_content` (or inline `content`); writing it is copy's job.
  return RunCopy(context);
}

}  // namespace tend
