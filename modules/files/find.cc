#include <fmt/format.h>
#include <fnmatch.h>

#include <cctype>
#include <charconv>
#include <map>
#include <set>

#include "core/hash.h"
#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/regex.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

// "10", "2d", "-1w" (age, in seconds) or "10m", "-1k" (size, in bytes):
// an optional minus, digits and one optional unit letter, any case.
std::optional<int64_t> ParseAmount(std::string_view text, const std::map<char, int64_t>& units) {
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int64_t multiplier = 1;
  if (!lower.empty() && std::isalpha(static_cast<unsigned char>(lower.back()))) {
    auto unit = units.find(lower.back());
    if (unit == units.end()) return std::nullopt;
    multiplier = unit->second;
    lower.pop_back();
  }
  std::string_view digits = lower;
  if (digits.starts_with('-')) digits.remove_prefix(1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return std::nullopt;
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(lower.data(), lower.data() + lower.size(), value);
  if (ec != std::errc() || end != lower.data() + lower.size()) return std::nullopt;
  return value * multiplier;
}

const std::map<char, int64_t> kSecondsPer = {
    {'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400}, {'w', 604800}};
const std::map<char, int64_t> kBytesPer = {{'b', 1},
                                           {'k', int64_t{1} << 10},
                                           {'m', int64_t{1} << 20},
                                           {'g', int64_t{1} << 30},
                                           {'t', int64_t{1} << 40}};

// Ansible's `mode` filter: octal ("0644", "0o644") or symbolic applied to 0.
Expected<uint32_t> ParseWantedMode(std::string text) {
  if (text.starts_with("0o") || text.starts_with("0O")) text = text.substr(2);
  return ParseMode(Json(text), 0, false);
}

struct Filters {
  std::vector<std::string> patterns;
  std::vector<std::string> excludes;
  bool use_regex = false;
  std::vector<Regex> pattern_res{};
  std::vector<Regex> exclude_res{};
  std::optional<Regex> contains{};
  bool read_whole_file = false;
  std::string file_type;
  std::optional<int64_t> age{};
  std::string age_stamp;
  std::optional<int64_t> size{};
  std::optional<uint32_t> mode{};
  bool exact_mode = true;
};

// Python's re.match: anchored at the start, not at the end.
bool MatchesAtStart(const Regex& re, std::string_view text) {
  auto m = re.MatchAt(text);
  return m && m->has_value();
}

// fnmatch.fnmatch on POSIX: case-sensitive, `*` also matches "/" and a
// leading ".", and a backslash is an ordinary character.
bool GlobMatches(const std::string& pattern, const std::string& name) {
  return ::fnmatch(pattern.c_str(), name.c_str(), FNM_NOESCAPE) == 0;
}

// Ansible's pfilter: a basename matching a pattern and no exclude.
bool NameMatches(const Filters& f, const std::string& name) {
  auto any = [&](const auto& globs, const auto& res) {
    if (f.use_regex) {
      return std::any_of(res.begin(), res.end(),
                         [&](const Regex& re) { return MatchesAtStart(re, name); });
    }
    return std::any_of(globs.begin(), globs.end(),
                       [&](const std::string& g) { return GlobMatches(g, name); });
  };
  return any(f.patterns, f.pattern_res) && !any(f.excludes, f.exclude_res);
}

bool AgeMatches(const Filters& f, const FileInfo& info, double now) {
  if (!f.age) return true;
  int64_t stamp = f.age_stamp == "atime"   ? info.atime
                  : f.age_stamp == "ctime" ? info.ctime
                                           : info.mtime;
  double elapsed = now - static_cast<double>(stamp);
  int64_t limit = *f.age < 0 ? -*f.age : *f.age;
  return *f.age >= 0 ? elapsed >= limit : elapsed <= limit;
}

bool SizeMatches(const Filters& f, const FileInfo& info) {
  if (!f.size) return true;
  auto size = static_cast<int64_t>(info.size);
  return *f.size >= 0 ? size >= *f.size : size <= -*f.size;
}

bool ModeMatches(const Filters& f, const FileInfo& info) {
  if (!f.mode) return true;
  uint32_t have = info.mode & 07777;
  return f.exact_mode ? have == *f.mode : (have & *f.mode) != 0;
}

// Line by line each line must match at its start (re.match); the whole file
// is searched anywhere (re.search). An unreadable file does not match.
bool ContentMatches(Host& host, const Filters& f, const std::string& path) {
  if (!f.contains) return true;
  auto content = host.ReadFile(path);
  if (!content) return false;
  if (f.read_whole_file) return f.contains->Contains(*content);
  size_t start = 0;
  while (start < content->size()) {
    size_t nl = content->find('\n', start);
    size_t end = nl == std::string::npos ? content->size() : nl + 1;
    if (MatchesAtStart(*f.contains, std::string_view(*content).substr(start, end - start))) return true;
    start = end;
  }
  return false;
}

// os.path.normpath for the absolute and relative paths find builds.
std::string NormPath(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string part = path.substr(start, slash - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
      } else if (!path.starts_with('/')) {
        parts.push_back(part);
      }
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  std::string out = path.starts_with('/') ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  return out.empty() ? "." : out;
}

struct WalkOptions {
  bool recurse = false;
  bool hidden = false;
  bool follow = false;
  int64_t depth = 0;  // 0: unlimited (Ansible tests `if depth:`)
  std::optional<int64_t> limit{};
  bool get_checksum = false;
  HashAlgorithm algorithm = HashAlgorithm::kSha1;
};

// Walks directories as Python's os.walk(top, topdown=True) does for find:
// per directory its non-directories, then its directories (symlinks to
// directories count as directories but are entered only with `follow`).
class Walker {
 public:
  Walker(Host& host, const Filters& filters, const WalkOptions& options, double now)
      : host_(host), filters_(filters), options_(options), now_(now) {}

  void Search(const std::string& top);
  Json Result() const;

 private:
  bool WalkDirectory(const std::string& root, int64_t level);
  std::pair<std::vector<std::string>, std::vector<std::string>> Classify(
      const std::string& root, const std::vector<std::string>& names);
  bool ConsiderAll(const std::string& root, const std::vector<std::string>& files,
                   const std::vector<std::string>& dirs);
  void Consider(const std::string& root, const std::string& name);
  std::optional<Json> Select(const std::string& path, const std::string& name,
                             const FileInfo& info);
  Json StatInfo(const std::string& path, const FileInfo& info);
  bool LimitReached() const {
    return options_.limit && static_cast<int64_t>(files_.size()) == *options_.limit;
  }
  void Skip(const std::string& path, const std::string& reason, const std::string& warning) {
    skipped_[path] = reason;
    warnings_.push_back(warning);
  }

  Host& host_;
  const Filters& filters_;
  const WalkOptions& options_;
  double now_;
  Json files_ = Json::array();
  Json skipped_ = Json::object();
  std::vector<std::string> warnings_{};
  int64_t examined_ = 0;
  bool limit_hit_ = false;
  std::set<std::pair<uint64_t, uint64_t>> visited_{};
  std::optional<std::map<uid_t, std::string>> users_{};
  std::optional<std::map<gid_t, std::string>> groups_{};
};

void Walker::Search(const std::string& top) {
  // Reported paths are normalised anyway; walking the normalised path keeps
  // "/srv/x/" and "/srv/x" alike on every Host.
  std::string dir = NormPath(top);
  auto info = host_.Stat(dir);
  if (!info || info->kind != FileKind::kDirectory) {
    std::string reason = fmt::format("'{}' is not a directory", top);
    Skip(top, reason, fmt::format("Skipped '{}' path due to this access issue: {}\n", top, reason));
    return;
  }
  visited_.clear();
  WalkDirectory(dir, 0);
}

// Returns false when the walk must stop (not recursing, or the limit).
bool Walker::WalkDirectory(const std::string& root, int64_t level) {
  // With follow, links can lead back up the tree: each directory once.
  auto here = host_.Stat(root);
  if (here && !visited_.insert({here->device, here->inode}).second) return true;
  auto names = host_.ListDirectory(root);
  if (!names) {
    skipped_[root] = names.error().message;
    return true;
  }
  examined_ += static_cast<int64_t>(names->size());
  auto [files, dirs] = Classify(root, *names);
  // Every entry of one directory has the same depth; past the limit none is
  // looked at and none is entered.
  bool too_deep = options_.depth > 0 && level + 1 > options_.depth;
  if (!too_deep && !ConsiderAll(root, files, dirs)) return false;
  if (!options_.recurse) return false;
  if (too_deep) return true;
  for (const auto& name : dirs) {
    std::string path = JoinPath(root, name);
    auto link = host_.Stat(path, false);
    if (!options_.follow && link && link->kind == FileKind::kLink) continue;
    if (!WalkDirectory(path, level + 1)) return false;
  }
  return true;
}

// os.walk's split: what stat() (following links) calls a directory, and the rest.
std::pair<std::vector<std::string>, std::vector<std::string>> Walker::Classify(
    const std::string& root, const std::vector<std::string>& names) {
  std::vector<std::string> files, dirs;
  for (const auto& name : names) {
    auto info = host_.Stat(JoinPath(root, name));
    (info && info->kind == FileKind::kDirectory ? dirs : files).push_back(name);
  }
  return {std::move(files), std::move(dirs)};
}

// False once the limit of matches is reached.
bool Walker::ConsiderAll(const std::string& root, const std::vector<std::string>& files,
                         const std::vector<std::string>& dirs) {
  for (const auto* list : {&files, &dirs}) {
    for (const auto& name : *list) {
      Consider(root, name);
      if (LimitReached()) {
        limit_hit_ = true;
        return false;
      }
    }
  }
  return true;
}

void Walker::Consider(const std::string& root, const std::string& name) {
  std::string path = NormPath(JoinPath(root, name));
  if (name.starts_with('.') && !options_.hidden) return;
  auto info = host_.Stat(path, false);
  if (!info || !info->exists()) {
    std::string reason = info ? "No such file or directory" : info.error().message;
    Skip(path, reason,
         fmt::format("Skipped entry '{}' due to this access issue: {}\n", path, reason));
    return;
  }
  if (auto selected = Select(path, name, *info)) files_.push_back(std::move(*selected));
}

// The file_type branches of Ansible's find, in its order of tests: `contains`
// applies to file_type=file only, and `size` to regular files.
std::optional<Json> Walker::Select(const std::string& path, const std::string& name,
                                   const FileInfo& info) {
  const Filters& f = filters_;
  const std::string& type = f.file_type;
  bool wanted_kind = type == "any" || (type == "directory" && info.kind == FileKind::kDirectory) ||
                     (type == "file" && info.kind == FileKind::kFile) ||
                     (type == "link" && info.kind == FileKind::kLink);
  if (!wanted_kind || !NameMatches(f, name) || !AgeMatches(f, info, now_) ||
      !ModeMatches(f, info)) {
    return std::nullopt;
  }
  bool regular = info.kind == FileKind::kFile;
  if (regular && (type == "any" || type == "file") && !SizeMatches(f, info)) return std::nullopt;
  if (type == "file" && !ContentMatches(host_, f, path)) return std::nullopt;
  Json entry = StatInfo(path, info);
  if (regular && options_.get_checksum) {
    auto sum = host_.FileChecksum(path, options_.algorithm);
    entry["checksum"] = sum ? Json(*sum) : Json(nullptr);
  }
  return entry;
}

// The fields of Ansible's statinfo(); owner and group names come from
// /etc/passwd and /etc/group ("" when unknown).
Json Walker::StatInfo(const std::string& path, const FileInfo& info) {
  if (!users_) {
    users_.emplace();
    for (const auto& u : host_.Users().value_or(std::vector<PasswdEntry>{})) {
      users_->emplace(u.uid, u.name);
    }
    groups_.emplace();
    for (const auto& g : host_.Groups().value_or(std::vector<GroupEntry>{})) {
      groups_->emplace(g.gid, g.name);
    }
  }
  uint32_t m = info.mode;
  Json st{{"path", path},
          {"mode", FormatMode(m)},
          {"isdir", info.kind == FileKind::kDirectory},
          {"ischr", false},
          {"isblk", false},
          {"isreg", info.kind == FileKind::kFile},
          {"isfifo", false},
          {"islnk", info.kind == FileKind::kLink},
          {"issock", false},
          {"uid", info.uid},
          {"gid", info.gid},
          {"size", info.size},
          {"inode", info.inode},
          {"dev", info.device},
          {"nlink", info.nlink},
          {"atime", info.atime},
          {"mtime", info.mtime},
          {"ctime", info.ctime},
          {"gr_name", groups_->contains(info.gid) ? groups_->at(info.gid) : ""},
          {"pw_name", users_->contains(info.uid) ? users_->at(info.uid) : ""},
          {"isuid", (m & 04000) != 0},
          {"isgid", (m & 02000) != 0}};
  for (auto [who, shift] : {std::pair{"usr", 6}, {"grp", 3}, {"oth", 0}}) {
    st[fmt::format("r{}", who)] = ((m >> shift) & 4) != 0;
    st[fmt::format("w{}", who)] = ((m >> shift) & 2) != 0;
    st[fmt::format("x{}", who)] = ((m >> shift) & 1) != 0;
  }
  return st;
}

Json Walker::Result() const {
  std::string msg = limit_hit_ ? "Limit of matches reached" : "All paths examined";
  if (!warnings_.empty()) msg = "Not all paths examined, check warnings for details";
  Json result{{"changed", false},         {"files", files_},       {"msg", msg},
              {"matched", files_.size()}, {"examined", examined_}, {"skipped_paths", skipped_}};
  if (!warnings_.empty()) result["warnings"] = warnings_;
  return result;
}

std::vector<std::string> Strings(const Json& list) {
  std::vector<std::string> out;
  if (list.is_array()) {
    for (const auto& item : list) out.push_back(item.is_string() ? item.get<std::string>() : "");
  }
  return out;
}

Expected<std::vector<Regex>> CompileAll(const std::vector<std::string>& patterns,
                                        const char* argument) {
  std::vector<Regex> out;
  for (const auto& p : patterns) {
    auto re = CompilePythonRegex(p, argument);
    if (!re) return std::unexpected(re.error());
    out.push_back(std::move(*re));
  }
  return out;
}

Expected<void> CompilePatterns(ModuleContext& context, Filters& f) {
  f.use_regex = context.Bool("use_regex");
  f.patterns = Strings(context.args["patterns"]);
  // No pattern means everything, so that `excludes` alone works.
  if (f.patterns.empty()) f.patterns = {f.use_regex ? ".*" : "*"};
  if (context.Has("excludes")) f.excludes = Strings(context.args["excludes"]);
  if (!f.use_regex) return {};
  auto patterns = CompileAll(f.patterns, "patterns");
  if (!patterns) return std::unexpected(patterns.error());
  auto excludes = CompileAll(f.excludes, "excludes");
  if (!excludes) return std::unexpected(excludes.error());
  f.pattern_res = std::move(*patterns);
  f.exclude_res = std::move(*excludes);
  return {};
}

std::string PythonTypeOf(const Json& value) {
  if (value.is_boolean()) return "bool";
  if (value.is_number_integer()) return "int";
  if (value.is_number()) return "float";
  if (value.is_array()) return "list";
  if (value.is_object()) return "dict";
  return "str";
}

Expected<void> ParseModeFilter(ModuleContext& context, Filters& f) {
  f.exact_mode = context.Bool("exact_mode", true);
  if (!context.Has("mode")) return {};
  const Json& mode = context.args["mode"];
  if (!mode.is_string()) {
    return Fail(fmt::format(
        "argument 'mode' is not a string and conversion is not allowed, value is of type {}",
        PythonTypeOf(mode)));
  }
  if (mode.get<std::string>().empty()) return {};
  auto parsed = ParseWantedMode(mode.get<std::string>());
  if (!parsed) return std::unexpected(parsed.error());
  f.mode = *parsed;
  return {};
}

// Ansible fails on an unreadable age or size with the value beside msg.
std::optional<Json> BadAmount(ModuleContext& context) {
  if (context.Has("age") && !ParseAmount(context.Str("age"), kSecondsPer)) {
    return FailedResult("failed to process age", {{"age", context.Str("age")}});
  }
  if (context.Has("size") && !ParseAmount(context.Str("size"), kBytesPer)) {
    return FailedResult("failed to process size", {{"size", context.Str("size")}});
  }
  return std::nullopt;
}

Expected<Filters> ReadFilters(ModuleContext& context) {
  Filters f;
  if (auto ok = CompilePatterns(context, f); !ok) return std::unexpected(ok.error());
  if (auto ok = ParseModeFilter(context, f); !ok) return std::unexpected(ok.error());
  f.file_type = context.Str("file_type", "file");
  f.age_stamp = context.Str("age_stamp", "mtime");
  f.read_whole_file = context.Bool("read_whole_file");
  if (context.Has("contains")) {
    // Ansible's find compiles without re.MULTILINE: `$` is the end of the
    // file under read_whole_file, not of each line.
    auto re = CompilePythonRegex(context.Str("contains"), "contains", {});
    if (!re) return std::unexpected(re.error());
    f.contains = std::move(*re);
  }
  if (context.Has("age")) f.age = ParseAmount(context.Str("age"), kSecondsPer);
  if (context.Has("size")) f.size = ParseAmount(context.Str("size"), kBytesPer);
  return f;
}

Expected<WalkOptions> ReadWalkOptions(ModuleContext& context) {
  WalkOptions w;
  w.recurse = context.Bool("recurse");
  w.hidden = context.Bool("hidden");
  w.follow = context.Bool("follow");
  w.depth = context.Int("depth");
  w.get_checksum = context.Bool("get_checksum");
  w.algorithm =
      HashAlgorithmByName(context.Str("checksum_algorithm", "sha1")).value_or(HashAlgorithm::kSha1);
  if (context.Has("limit")) {
    int64_t limit = context.Int("limit");
    if (limit <= 0) return Fail(fmt::format("limit cannot be {} (use None for unlimited)", limit));
    w.limit = limit;
  }
  return w;
}

}  // namespace

const ModuleSpec& FindSpec() {
  static const ModuleSpec spec{
      .name = "find",
      .short_description = "Return a list of files based on specific criteria",
      .args = {{.name = "paths",
                .type = ArgType::kList,
                .required = true,
                .aliases = {"name", "path"},
                .elements = ArgType::kPath},
               {.name = "patterns",
                .type = ArgType::kList,
                .default_value = Json::array(),
                .aliases = {"pattern"}},
               {.name = "excludes", .type = ArgType::kList, .aliases = {"exclude"}},
               {.name = "contains", .type = ArgType::kStr},
               {.name = "read_whole_file", .type = ArgType::kBool, .default_value = false},
               {.name = "file_type",
                .type = ArgType::kStr,
                .default_value = "file",
                .choices = {"any", "directory", "file", "link"}},
               {.name = "age", .type = ArgType::kStr},
               {.name = "age_stamp",
                .type = ArgType::kStr,
                .default_value = "mtime",
                .choices = {"atime", "ctime", "mtime"}},
               {.name = "size", .type = ArgType::kStr},
               {.name = "recurse", .type = ArgType::kBool, .default_value = false},
               {.name = "hidden", .type = ArgType::kBool, .default_value = false},
               {.name = "follow", .type = ArgType::kBool, .default_value = false},
               {.name = "get_checksum", .type = ArgType::kBool, .default_value = false},
               {.name = "checksum_algorithm",
                .type = ArgType::kStr,
                .default_value = "sha1",
                .choices = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512"},
                .aliases = {"checksum", "checksum_algo"}},
               {.name = "use_regex", .type = ArgType::kBool, .default_value = false},
               {.name = "depth", .type = ArgType::kInt},
               {.name = "mode", .type = ArgType::kRaw},
               {.name = "exact_mode", .type = ArgType::kBool, .default_value = true},
               {.name = "encoding", .type = ArgType::kStr},
               {.name = "limit", .type = ArgType::kInt}},
      .returns = {"files", "matched", "examined", "skipped_paths", "msg", "warnings"},
  };
  return spec;
}

Expected<Json> RunFind(ModuleContext& context) {
  Host& host = context.Machine();
  if (auto failed = BadAmount(context)) return *failed;
  auto filters = ReadFilters(context);
  if (!filters) return std::unexpected(filters.error());
  auto options = ReadWalkOptions(context);
  if (!options) return std::unexpected(options.error());
  double now = static_cast<double>(host.NowMicros()) / 1e6;
  Walker walker(host, *filters, *options, now);
  for (const auto& path : Strings(context.args["paths"])) {
    walker.Search(ExpandUser(host, path));
  }
  return walker.Result();
}

}  // namespace tend
