#include "modules/files/assemble.h"

#include <fmt/format.h>

#include "core/hash.h"
#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/regex.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// Diffs of bigger files are skipped, as Ansible does past max_file_size_for_diff.
constexpr uint64_t kMaxDiffSize = 104448;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Python's codecs.escape_decode, which Ansible applies to the delimiter so
// that "\n" written in YAML single quotes becomes a newline. Unknown escapes
// keep their backslash.
std::string EscapeDecode(std::string_view text) {
  static const std::string_view kFrom = "\\'\"abfnrtv\n";
  static const std::string_view kTo = "\\'\"\a\b\f\n\r\t\v";
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    char c = text[++i];
    if (size_t k = kFrom.find(c); k != std::string_view::npos) {
      if (c != '\n') out += kTo[k];  // backslash-newline is a line continuation
    } else if (c >= '0' && c <= '7') {
      int value = 0;
      size_t end = i;
      while (end < text.size() && end < i + 3 && text[end] >= '0' && text[end] <= '7') {
        value = value * 8 + (text[end++] - '0');
      }
      out += static_cast<char>(value & 0xff);
      i = end - 1;
    } else if (c == 'x' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += '\\';
      out += c;
    }
  }
  return out;
}

struct FragmentRules {
  std::optional<std::string> delimiter{};
  std::optional<Regex> regexp{};
  bool ignore_hidden = false;
};

// Ansible's assemble_from_fragments: regular files (links followed) in name
// order, a newline after a fragment that lacks one, and the delimiter (plus a
// newline when it lacks one) between fragments.
Expected<std::string> AssembleFragments(Host& host, const std::string& src,
                                        const FragmentRules& rules) {
  auto names = host.ListDirectory(src);
  if (!names) return std::unexpected(names.error());
  std::string out;
  std::optional<std::string> delimiter = rules.delimiter;
  bool first = true;
  bool add_newline = false;
  for (const auto& name : *names) {
    if (rules.regexp && !rules.regexp->Contains(name)) continue;
    std::string path = JoinPath(src, name);
    auto info = host.Stat(path);
    if (!info || info->kind != FileKind::kFile) continue;
    if (rules.ignore_hidden && name.starts_with('.')) continue;
    auto content = host.ReadFile(path);
    if (!content) return std::unexpected(content.error());
    if (add_newline) out += '\n';
    if (!first && delimiter && !delimiter->empty()) {
      // Ansible decodes the already decoded delimiter again for every
      // fragment; doing the same keeps "\\\\n" delimiters byte-identical.
      delimiter = EscapeDecode(*delimiter);
      out += *delimiter;
      if (!delimiter->ends_with('\n')) out += '\n';
    }
    out += *content;
    first = false;
    add_newline = !content->ends_with('\n');
  }
  return out;
}

// The assembled file: built here from fragments on the target, or built by
// the controller from local fragments and announced as `_content`.
struct Assembled {
  std::string sha1;
  std::optional<std::string> text{};
};

Expected<FragmentRules> ReadRules(ModuleContext& context) {
  FragmentRules rules;
  if (context.Has("delimiter")) rules.delimiter = context.Str("delimiter");
  rules.ignore_hidden = context.Bool("ignore_hidden");
  if (context.Has("regexp")) {
    std::string regexp = context.Str("regexp");
    auto compiled = CompilePythonRegex(regexp, "regexp");
    if (!compiled) {
      return Fail(fmt::format("Invalid Regexp ({}) in \"{}\"", compiled.error().message, regexp));
    }
    rules.regexp = std::move(*compiled);
  }
  return rules;
}

Expected<Assembled> AssembleOnTarget(ModuleContext& context) {
  Host& host = context.Machine();
  std::string src = ExpandUser(host, context.Str("src"));
  auto info = host.Stat(src);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) return Fail(fmt::format("Source ({}) does not exist", src));
  if (info->kind != FileKind::kDirectory) {
    return Fail(fmt::format("Source ({}) is not a directory", src));
  }
  auto rules = ReadRules(context);
  if (!rules) return std::unexpected(rules.error());
  auto text = AssembleFragments(host, src, *rules);
  if (!text) return std::unexpected(text.error());
  return Assembled{Sha1Hex(*text), std::move(*text)};
}

Assembled FromController(const Json& descriptor) {
  Assembled assembled{descriptor.value("sha1", ""), std::nullopt};
  // Small content may ride along as "text", saving the need_content round trip.
  if (auto t = descriptor.find("text"); t != descriptor.end() && t->is_string()) {
    assembled.text = t->get<std::string>();
    if (assembled.sha1.empty()) assembled.sha1 = Sha1Hex(*assembled.text);
  }
  return assembled;
}

ContentSource Open(ModuleContext& context, const Assembled& assembled) {
  if (assembled.text) return StringSource(*assembled.text);
  if (!context.fetch_content) {
    return [](const auto&) -> Expected<void> {
      return Fail("no controller is attached to send the content");
    };
  }
  return context.fetch_content();
}

Json ContentDiff(ModuleContext& context, const std::string& dest, const FileInfo& info,
                 const Assembled& assembled) {
  std::string before = info.exists() ? context.Machine().ReadFile(dest).value_or("") : "";
  std::string after;
  auto read = Open(context, assembled)([&](std::string_view chunk) -> Expected<void> {
    after.append(chunk);
    return {};
  });
  if (!read || before.size() > kMaxDiffSize || after.size() > kMaxDiffSize) {
    return Json{{"before_header", dest}, {"after_header", dest}, {"before", ""}, {"after", ""}};
  }
  return MakeDiff(dest, before, dest, after);
}

// Writes the assembled file when its checksum differs from dest's (backup
// first, validate before it lands); otherwise only mode/owner/group.
Expected<void> Apply(ModuleContext& context, const std::string& dest, const FileInfo& info,
                     const Assembled& assembled, Json& result) {
  Host& host = context.Machine();
  bool differs = !info.exists();
  if (info.exists()) {
    auto sum = host.FileChecksum(dest);
    if (!sum) return std::unexpected(sum.error());
    differs = *sum != assembled.sha1;
  }
  if (differs) {
    result["changed"] = true;
    if (context.diff) result["diff"] = Json::array({ContentDiff(context, dest, info, assembled)});
  }
  if (!differs || context.check) {
    auto attrs = ApplyFileAttributes(context, dest, info);
    if (!attrs) return std::unexpected(attrs.error());
    if (*attrs) result["changed"] = true;
    return {};
  }
  if (info.exists() && context.Bool("backup")) {
    auto backup = BackupFile(host, dest);
    if (!backup) return std::unexpected(backup.error());
    result["backup_file"] = *backup;
  }
  auto attrs = RequestedAttrs(context, info.exists() ? info.mode : 0644, false);
  if (!attrs) return std::unexpected(attrs.error());
  return WriteValidated(context, dest, Open(context, assembled), *attrs);
}

}  // namespace

Expected<std::string> AssembleFromFragments(Host& host, const std::string& src, const Json& args) {
  auto info = host.Stat(src);
  if (!info) return std::unexpected(info.error());
  if (info->kind != FileKind::kDirectory) {
    return Fail(fmt::format("Source ({}) is not a directory", src));
  }
  ModuleContext context{.args = args, .check = false, .diff = false, .host = &host, .fetch_content = {}};
  auto rules = ReadRules(context);
  if (!rules) return std::unexpected(rules.error());
  return AssembleFragments(host, src, *rules);
}

const ModuleSpec& AssembleSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "assemble",
        .short_description = "Assemble configuration files from fragments",
        .args = {{.name = "src", .type = ArgType::kPath, .required = true},
                 {.name = "dest", .type = ArgType::kPath, .required = true},
                 {.name = "delimiter", .type = ArgType::kStr},
                 {.name = "backup", .type = ArgType::kBool, .default_value = false},
                 {.name = "remote_src", .type = ArgType::kBool, .default_value = true},
                 {.name = "regexp", .type = ArgType::kStr},
                 {.name = "ignore_hidden", .type = ArgType::kBool, .default_value = false},
                 {.name = "validate", .type = ArgType::kStr},
                 {.name = "decrypt", .type = ArgType::kBool, .default_value = true}},
        .supports_diff = true,
        .returns = {"src", "dest", "checksum", "md5sum", "backup_file", "msg", "diff", "mode",
                    "owner", "group", "uid", "gid", "size", "state"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunAssemble(ModuleContext& context) {
  Host& host = context.Machine();
  std::string validate = context.Str("validate");
  if (!validate.empty() && validate.find("%s") == std::string::npos) {
    return Fail(fmt::format("validate must contain %s: {}", validate));
  }
  auto controller = context.args.find(protocol::kContentArg);
  bool from_controller = controller != context.args.end() && controller->is_object();
  auto assembled = from_controller ? Expected<Assembled>(FromController(*controller))
                                   : AssembleOnTarget(context);
  if (!assembled) return std::unexpected(assembled.error());
  std::string dest = ExpandUser(host, context.Str("dest"));
  auto info = host.Stat(dest);
  if (!info) return std::unexpected(info.error());
  if (info->kind == FileKind::kDirectory) {
    return Fail(fmt::format("attempted to take checksum of directory: {}", dest));
  }
  auto parent = host.Stat(DirName(dest));
  if (!parent) return std::unexpected(parent.error());
  if (parent->kind != FileKind::kDirectory) {
    return Fail(fmt::format("Destination directory {} does not exist", DirName(dest)));
  }
  Json result{{"changed", false},
              {"src", context.Str("src")},
              {"dest", dest},
              {"checksum", assembled->sha1},
              {"md5sum", assembled->text ? Json(HexDigest(HashAlgorithm::kMd5, *assembled->text))
                                         : Json(nullptr)}};
  if (auto ok = Apply(context, dest, *info, *assembled, result); !ok) {
    return std::unexpected(ok.error());
  }
  result["msg"] = "OK";
  if (!context.check) AddFileFacts(host, dest, result);
  return result;
}

}  // namespace tend
