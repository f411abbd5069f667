// unarchive (ansible.builtin.unarchive): unpacks a tar or zip archive into
// an existing directory with the target's own tar/unzip, as Ansible does.
// The archive comes from the controller (`_content`, written to a temporary
// file on the target first) or is already there (remote_src). Whether
// anything needs unpacking is decided by comparing the archive with dest:
// `tar --diff`, and for zip the member listing against Stat of each file.

#include <fmt/format.h>
#include <fnmatch.h>

#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"
#include "modules/network/http_common.h"
#include "modules/parsers/tools_parse.h"

namespace tend {
namespace {

using tools::CLocale;

enum class Format { kZip, kTgz, kTar, kTarBzip, kTarXz, kTarZstd };

struct Handler {
  Format format;
  const char* name;
  const char* zipflag;  // tar's decompression option
};

// Ansible's order of trying handlers (pick_handler).
constexpr Handler kHandlers[] = {
    {Format::kZip, "ZipArchive", ""},
    {Format::kTgz, "TgzArchive", "-z"},
    {Format::kTar, "TarArchive", ""},
    {Format::kTarBzip, "TarBzipArchive", "-j"},
    {Format::kTarXz, "TarXzArchive", "-J"},
    {Format::kTarZstd, "TarZstdArchive", "--use-compress-program=zstd"},
};

// The handler the file name suggests; tried first, so a well-named archive
// costs no probing of the others.
const Handler* GuessHandler(const std::string& name) {
  struct Suffix {
    const char* suffix;
    Format format;
  };
  static const Suffix kSuffixes[] = {
      {".zip", Format::kZip},         {".tar.gz", Format::kTgz},      {".tgz", Format::kTgz},
      {".tar", Format::kTar},         {".tar.bz2", Format::kTarBzip}, {".tbz2", Format::kTarBzip},
      {".tbz", Format::kTarBzip},     {".tar.xz", Format::kTarXz},    {".txz", Format::kTarXz},
      {".tar.zst", Format::kTarZstd}, {".tzst", Format::kTarZstd},
  };
  for (const auto& s : kSuffixes) {
    if (!name.ends_with(s.suffix)) continue;
    for (const auto& h : kHandlers) {
      if (h.format == s.format) return &h;
    }
  }
  return nullptr;
}

bool Matches(const std::vector<std::string>& patterns, const std::string& name) {
  for (const auto& p : patterns) {
    if (::fnmatch(p.c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

std::vector<std::string> StrList(ModuleContext& context, const char* name) {
  std::vector<std::string> out;
  auto it = context.args.find(name);
  if (it == context.args.end() || !it->is_array()) return out;
  for (const auto& v : *it) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

// An archive being unpacked: the handler that reads it and what it holds.
struct Archive {
  const Handler* handler = nullptr;
  std::string handler_name{};
  std::string program{};  // tar or unzip
  std::string src{};
  std::string dest{};
  std::vector<std::string> files{};  // members, exclude/include applied
  std::vector<tools::ZipEntry> zip_entries{};
  std::vector<std::string> excludes{};
  std::vector<std::string> includes{};
  std::vector<std::string> opts{};
};

// What the probing of tar found, kept across the tar flavours.
struct TarProbe {
  std::optional<std::string> program{};
  std::optional<std::string> type{};  // "gnu", "bsd" or "None"
};

// tar [op] -C dest [flag] [--show-transformed-names opts] [...] -f src [includes]
std::vector<std::string> TarCommand(ModuleContext& context, const Archive& a, const char* op,
                                    bool for_state) {
  std::vector<std::string> argv{a.program, op, "-C", a.dest};
  if (*a.handler->zipflag) argv.push_back(a.handler->zipflag);
  if (!a.opts.empty()) {
    argv.push_back("--show-transformed-names");
    argv.insert(argv.end(), a.opts.begin(), a.opts.end());
  }
  if (for_state) {
    if (context.Has("owner")) argv.push_back("--owner=" + context.Str("owner"));
    if (context.Has("group")) argv.push_back("--group=" + context.Str("group"));
    if (context.Bool("keep_newer")) argv.push_back("--keep-newer-files");
  }
  for (const auto& e : a.excludes) argv.push_back("--exclude=" + e);
  argv.insert(argv.end(), {"-f", a.src});
  argv.insert(argv.end(), a.includes.begin(), a.includes.end());
  return argv;
}

std::string TarType(Host& host, const std::string& program) {
  auto ran = host.Run(CLocale({program, "--version"}));
  if (!ran) return "None";
  if (ran->stdout_data.starts_with("bsdtar")) return "bsd";
  if (ran->stdout_data.starts_with("tar") && ran->stdout_data.find("GNU") != std::string::npos) {
    return "gnu";
  }
  return "None";
}

// TgzArchive.can_handle_archive: GNU tar lists at least one member.
std::optional<std::string> ProbeTar(ModuleContext& context, Archive& a, TarProbe& probe) {
  Host& host = context.Machine();
  if (!probe.program) {
    probe.program = tools::FindProgram(host, "gtar");
    if (!probe.program) probe.program = tools::FindProgram(host, "tar").value_or("");
  }
  if (probe.program->empty()) return "Unable to find required 'gtar' or 'tar' binary in the path";
  a.program = *probe.program;
  if (!probe.type) probe.type = TarType(host, a.program);
  if (*probe.type != "gnu") {
    return fmt::format("Command \"{}\" detected as tar type {}. GNU tar required.", a.program,
                       *probe.type);
  }
  auto ran = host.Run(CLocale(TarCommand(context, a, "--list", false), a.dest));
  if (!ran)
    return fmt::format("Command \"{}\" could not handle archive: {}", a.program,
                       ran.error().message);
  if (ran->rc != 0) {
    return fmt::format(
        "Command \"{}\" could not handle archive: Unable to list files in the "
        "archive: {}",
        a.program, ran->stderr_data);
  }
  a.files.clear();
  for (const auto& line : tools::Lines(ran->stdout_data)) {
    std::string name = tools::UnescapeTarName(line);
    // Members are relative to dest even when the archive stored them rooted.
    if (name.starts_with('/')) name.erase(0, 1);
    if (!Matches(a.excludes, name)) a.files.push_back(name);
  }
  if (a.files.empty()) {
    return fmt::format(
        "Command \"{}\" found no files in archive. Empty archive files are not "
        "supported.",
        a.program);
  }
  return std::nullopt;
}

// ZipArchive.can_handle_archive: unzip reads the archive's listing.
std::optional<std::string> ProbeZip(ModuleContext& context, Archive& a) {
  Host& host = context.Machine();
  auto unzip = tools::FindProgram(host, "unzip");
  if (!unzip) return "Unable to find required 'unzip' binary in the path.";
  a.program = *unzip;
  // Without zipinfo Ansible falls back to ZipZArchive (unzip -Z): the same listing.
  if (!tools::FindProgram(host, "zipinfo")) a.handler_name = "ZipZArchive";
  auto ran = host.Run(CLocale({a.program, "-Z", "-T", "-s", a.src}));
  if (!ran)
    return fmt::format("Command \"{}\" could not handle archive: {}", a.program,
                       ran.error().message);
  if (ran->rc != 0) {
    return fmt::format("Command \"{}\" could not handle archive: {}", a.program,
                       ran->stderr_data.empty() ? ran->stdout_data : ran->stderr_data);
  }
  a.files.clear();
  a.zip_entries.clear();
  auto include = StrList(context, "include");
  for (auto& entry : tools::ParseZipListing(ran->stdout_data)) {
    bool wanted = include.empty() ? !Matches(a.excludes, entry.path) : Matches(include, entry.path);
    if (!wanted) continue;
    a.files.push_back(entry.path);
    a.zip_entries.push_back(std::move(entry));
  }
  return std::nullopt;
}

Expected<Archive> PickHandler(ModuleContext& context, const std::string& src,
                              const std::string& dest, const std::string& name) {
  std::vector<const Handler*> order;
  if (const Handler* guess = GuessHandler(name)) order.push_back(guess);
  for (const auto& h : kHandlers) {
    if (order.empty() || order.front() != &h) order.push_back(&h);
  }
  TarProbe probe;
  std::vector<std::string> reasons;
  for (const Handler* h : order) {
    Archive a{.handler = h, .handler_name = h->name, .src = src, .dest = dest};
    a.opts = StrList(context, "extra_opts");
    a.includes = StrList(context, "include");
    a.excludes = StrList(context, "exclude");
    if (h->format != Format::kZip) {
      for (auto& e : a.excludes) {
        while (e.ends_with('/')) e.pop_back();
      }
    }
    auto reason = h->format == Format::kZip ? ProbeZip(context, a) : ProbeTar(context, a, probe);
    if (!reason) return a;
    if (std::find(reasons.begin(), reasons.end(), *reason) == reasons.end()) {
      reasons.push_back(*reason);
    }
  }
  std::string why;
  for (const auto& r : reasons) why += (why.empty() ? "" : "\n") + r;
  return Fail(
      fmt::format("Failed to find handler for \"{}\". Make sure the required command to "
                  "extract the file is installed.\n{}",
                  src, why));
}

struct Verdict {
  bool unarchived = true;
  std::string diff;  // zip: rsync-style itemized lines
};

Expected<Verdict> TarIsUnarchived(ModuleContext& context, Archive& a) {
  Host& host = context.Machine();
  auto ran = host.Run(CLocale(TarCommand(context, a, "--diff", true), a.dest));
  if (!ran) return std::unexpected(ran.error());
  std::string differences =
      tools::TarDifferences(ran->stdout_data, ran->stderr_data, host.EffectiveUid() == 0,
                            context.Has("owner"), context.Has("group"), context.Has("mode"));
  return Verdict{differences.empty(), ""};
}

// The zip facts Ansible compares that need the archive's CRCs (`unzip -v`),
// read once and only when a file's size and time already match.
struct CrcTable {
  std::optional<std::map<std::string, uint32_t>> crcs{};

  std::optional<uint32_t> Of(Host& host, const Archive& a, const std::string& path) {
    if (!crcs) {
      auto ran = host.Run(CLocale({a.program, "-v", a.src}));
      crcs = ran && ran->rc == 0 ? tools::ParseZipCrcs(ran->stdout_data)
                                 : std::map<std::string, uint32_t>{};
    }
    auto it = crcs->find(path);
    if (it == crcs->end()) return std::nullopt;
    return it->second;
  }
};

uint32_t FileCrc(Host& host, const std::string& path) {
  uint32_t crc = 0;
  (void)host.ReadFileChunks(path,
                            [&](std::string_view chunk) { crc = tools::Crc32Update(crc, chunk); });
  return crc;
}

// The mode a member should end up with: the task's mode, else the archive's
// (FAT archives carry no Unix modes: a base mode minus the usual umask).
Expected<uint32_t> WantedZipMode(ModuleContext& context, const tools::ZipEntry& e,
                                 const FileInfo& info) {
  if (context.Has("mode")) {
    return ParseMode(context.args["mode"], info.mode, info.kind == FileKind::kDirectory);
  }
  std::string perms = e.perms;
  uint32_t umask = 0;
  if (perms.size() == 6 || perms.size() == 7) {
    bool exec = perms == "rwx---" || perms == "rwxa---" || e.path.ends_with('/');
    perms = exec ? "rwxrwxrwx" : "rw-rw-rw-";
    umask = 022;
  }
  return tools::PermsToMode(perms, umask);
}

struct Owner {
  uid_t uid;
  gid_t gid;
};

// Who unpacked files should belong to: the task's owner/group, else the
// user the agent runs as.
Expected<Owner> WantedOwner(ModuleContext& context) {
  Host& host = context.Machine();
  Owner owner{host.EffectiveUid(), host.EffectiveGid()};
  if (context.Has("owner")) {
    auto uid = ResolveUid(host, context.Str("owner"));
    if (!uid) return std::unexpected(uid.error());
    owner.uid = *uid;
  }
  if (context.Has("group")) {
    auto gid = ResolveGid(host, context.Str("group"));
    if (!gid) return std::unexpected(gid.error());
    owner.gid = *gid;
  }
  return owner;
}

// One member against the file system: the itemized change line, or nothing.
Expected<std::optional<std::string>> ZipMemberChange(ModuleContext& context, Archive& a,
                                                     const tools::ZipEntry& e, CrcTable& crcs) {
  Host& host = context.Machine();
  char ftype = e.path.ends_with('/') ? 'd' : e.type == 'l' ? 'L' : 'f';
  std::string path = JoinPath(a.dest, e.path);
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  auto info = host.Stat(path, /*follow=*/false);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) return fmt::format(">{}++++++.?? {}", ftype, e.path);
  FileKind expected = ftype == 'd'   ? FileKind::kDirectory
                      : ftype == 'L' ? FileKind::kLink
                                     : FileKind::kFile;
  if (info->kind != expected) return fmt::format("c{}++++++.?? {}", ftype, e.path);
  std::string itemized = fmt::format(".{}.......??", ftype);
  bool regular = info->kind == FileKind::kFile;
  if (regular) {
    int64_t stamp = tools::ZipStampToTime(e.stamp);
    if (context.Bool("keep_newer") && stamp < info->mtime) {
      a.excludes.push_back(e.path);  // newer on disk: left alone
      return std::nullopt;
    }
    if (context.Bool("keep_newer") ? stamp > info->mtime : stamp != info->mtime) itemized[4] = 't';
    if (e.size != info->size) itemized[3] = 's';
    if (itemized[3] == '.' && itemized[4] == '.') {
      auto crc = crcs.Of(host, a, e.path);
      if (crc && *crc != FileCrc(host, path)) itemized[2] = 'c';
    }
  }
  if (ftype != 'L') {
    auto mode = WantedZipMode(context, e, *info);
    if (!mode) return std::unexpected(mode.error());
    if (*mode != (info->mode & 07777)) itemized[5] = 'p';
  }
  auto owner = WantedOwner(context);
  if (!owner) return std::unexpected(owner.error());
  if (info->uid != owner->uid) itemized[6] = 'o';
  if (info->gid != owner->gid) itemized[6] = 'g';
  if (itemized == fmt::format(".{}.......??", ftype)) return std::nullopt;
  return itemized + " " + e.path;
}

Expected<Verdict> ZipIsUnarchived(ModuleContext& context, Archive& a) {
  Verdict verdict;
  CrcTable crcs;
  for (const auto& entry : a.zip_entries) {
    auto change = ZipMemberChange(context, a, entry, crcs);
    if (!change) return std::unexpected(change.error());
    if (!*change) continue;
    verdict.unarchived = false;
    verdict.diff += **change + "\n";
  }
  return verdict;
}

std::vector<std::string> ZipExtractCommand(const Archive& a) {
  std::vector<std::string> argv{a.program, "-o"};
  argv.insert(argv.end(), a.opts.begin(), a.opts.end());
  argv.push_back(a.src);
  if (!a.excludes.empty()) {
    argv.push_back("-x");
    argv.insert(argv.end(), a.excludes.begin(), a.excludes.end());
  }
  argv.insert(argv.end(), a.includes.begin(), a.includes.end());
  argv.insert(argv.end(), {"-d", a.dest});
  return argv;
}

Expected<Json> Extract(ModuleContext& context, const Archive& a) {
  bool zip = a.handler->format == Format::kZip;
  std::vector<std::string> argv =
      zip ? ZipExtractCommand(a) : TarCommand(context, a, "--extract", true);
  auto ran = context.Machine().Run(CLocale(argv, zip ? "" : a.dest));
  if (!ran) return std::unexpected(ran.error());
  return Json{{"cmd", tools::StringArray(argv)},
              {"rc", ran->rc},
              {"out", ran->stdout_data},
              {"err", ran->stderr_data}};
}

// owner/group/mode from the task on every member and on the top-level
// directories (Ansible issue 35426), after unpacking.
Expected<bool> ApplyMemberAttributes(ModuleContext& context, const Archive& a) {
  if (!context.Has("mode") && !context.Has("owner") && !context.Has("group")) return false;
  Host& host = context.Machine();
  std::vector<std::string> paths;
  for (const auto& f : a.files) {
    paths.push_back(f);
    size_t slash = f.find('/');
    if (slash != std::string::npos && slash > 0 &&
        std::find(paths.begin(), paths.end(), f.substr(0, slash)) == paths.end()) {
      paths.push_back(f.substr(0, slash));
    }
  }
  bool changed = false;
  for (const auto& p : paths) {
    std::string path = JoinPath(a.dest, p);
    while (path.size() > 1 && path.ends_with('/')) path.pop_back();
    auto info = host.Stat(path, /*follow=*/false);
    if (!info) return std::unexpected(info.error());
    if (!info->exists()) continue;
    auto applied = ApplyFileAttributes(context, path, *info);
    if (!applied) return std::unexpected(applied.error());
    changed = changed || *applied;
  }
  return changed;
}

// Unpacks when the archive is not unpacked yet, then applies the task's
// owner/group/mode; fills extract_results, changed or failed into `result`.
Expected<void> Unpack(ModuleContext& context, const Archive& a, bool unarchived, Json& result) {
  if (!unarchived) {
    auto extracted = Extract(context, a);
    if (!extracted) return std::unexpected(extracted.error());
    result["extract_results"] = *extracted;
    if ((*extracted)["rc"] != 0) {
      result["failed"] = true;
      result["msg"] = fmt::format("failed to unpack {} to {}", a.src, a.dest);
      return {};
    }
  }
  auto attrs = ApplyMemberAttributes(context, a);
  if (!attrs) return std::unexpected(attrs.error());
  if (*attrs) result["changed"] = true;
  return {};
}

// The controller's archive, written to a temporary file on the target (the
// tools read files, not streams) and removed when the task ends.
class StagedArchive {
 public:
  explicit StagedArchive(Host& host) : host_(host) {}
  ~StagedArchive() {
    if (!path_.empty()) (void)host_.Remove(path_);
  }
  StagedArchive(const StagedArchive&) = delete;
  StagedArchive& operator=(const StagedArchive&) = delete;

  Expected<std::string> Write(ModuleContext& context, const std::string& src) {
    auto it = context.args.find(protocol::kContentArg);
    if (it == context.args.end() || !it->is_object()) {
      return Fail(fmt::format("Source '{}' failed to transfer", src));
    }
    ContentSource content;
    if (auto text = it->find("text"); text != it->end() && text->is_string()) {
      content = StringSource(text->get<std::string>());
    } else if (context.fetch_content) {
      content = context.fetch_content();
    } else {
      return Fail(fmt::format("Source '{}' failed to transfer: no controller is attached", src));
    }
    std::string path = TempPath(BaseName(src));
    auto written = host_.WriteFileAtomic(path, content, {.mode = 0600, .uid = {}, .gid = {}});
    if (!written) return std::unexpected(written.error());
    path_ = path;
    return path;
  }

  /// A URL src, downloaded by the host with the agent's HTTP client.
  Expected<std::string> Download(ModuleContext& context, const std::string& url) {
    auto path = FetchFile(context, url, TempPath(""));
    if (path) path_ = *path;
    return path;
  }

 private:
  std::string TempPath(const std::string& name) {
    std::string dir = host_.GetEnv("TMPDIR").value_or("/tmp");
    return JoinPath(dir, fmt::format(".tend-unarchive-{}-{}", host_.NowMicros(), name));
  }

  Host& host_;
  std::string path_;
};

bool IsUrl(const std::string& src) { return src.find("://") != std::string::npos; }

Expected<void> CheckRemoteSource(Host& host, const std::string& src) {
  auto info = host.Stat(src);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) return Fail(fmt::format("Source '{}' does not exist", src));
  if (info->kind != FileKind::kFile) return Fail(fmt::format("Source '{}' not readable", src));
  if (info->size == 0) return Fail(fmt::format("Invalid archive '{}', the file is 0 bytes", src));
  return {};
}

// A URL is downloaded by the host, whatever remote_src says (the
// controller half never reads one).
bool FromController(ModuleContext& context) {
  if (IsUrl(context.Str("src"))) return false;
  if (context.Has("copy") && !context.Bool("copy", true)) return false;
  return !context.Bool("remote_src");
}

// `creates` is checked before anything moves, as Ansible's action plugin does.
Expected<std::optional<Json>> SkipForCreates(ModuleContext& context) {
  if (!context.Has("creates")) return std::nullopt;
  std::string creates = ExpandUser(context.Machine(), context.Str("creates"));
  auto info = context.Machine().Stat(creates);
  if (!info) return std::unexpected(info.error());
  if (!info->exists()) return std::nullopt;
  return Json{{"changed", false},
              {"skipped", true},
              {"msg", fmt::format("skipped, since {} exists", creates)}};
}

Expected<void> CheckDest(ModuleContext& context, const std::string& dest) {
  auto info = context.Machine().Stat(dest);
  if (!info) return std::unexpected(info.error());
  if (info->kind == FileKind::kDirectory) return {};
  if (FromController(context)) return Fail(fmt::format("dest '{}' must be an existing dir", dest));
  return Fail(fmt::format("Destination '{}' is not a directory", dest));
}

}  // namespace

const ModuleSpec& UnarchiveSpec() {
  static const ModuleSpec spec = [] {
    ModuleSpec s{
        .name = "unarchive",
        .short_description =
            "Unpacks an archive after (optionally) copying it from the local machine",
        .args =
            {
                {.name = "src", .type = ArgType::kPath, .required = true},
                {.name = "dest", .type = ArgType::kPath, .required = true},
                // No defaults for arguments in a mutually_exclusive group:
                // the controller sends the defaulted arguments on, and a
                // default would look given to the agent's check.
                {.name = "remote_src", .type = ArgType::kBool},
                {.name = "copy", .type = ArgType::kBool},
                {.name = "creates", .type = ArgType::kPath},
                {.name = "list_files", .type = ArgType::kBool, .default_value = false},
                {.name = "keep_newer", .type = ArgType::kBool, .default_value = false},
                {.name = "exclude", .type = ArgType::kList},
                {.name = "include", .type = ArgType::kList},
                {.name = "extra_opts", .type = ArgType::kList, .default_value = Json::array()},
                {.name = "validate_certs", .type = ArgType::kBool, .default_value = true},
                {.name = "io_buffer_size", .type = ArgType::kInt, .default_value = 65536},
                {.name = "decrypt", .type = ArgType::kBool, .default_value = true},
            },
        .mutually_exclusive = {{"include", "exclude"}, {"copy", "remote_src"}},
        .returns = {"dest", "src", "handler", "files", "extract_results", "diff", "gid", "group",
                    "mode", "owner", "size", "state", "uid"},
    };
    for (auto& a : FileAttributeArgs()) s.args.push_back(a);
    return s;
  }();
  return spec;
}

Expected<Json> RunUnarchive(ModuleContext& context) {
  Host& host = context.Machine();
  auto skip = SkipForCreates(context);
  if (!skip) return std::unexpected(skip.error());
  if (*skip) return **skip;
  std::string dest = ExpandUser(host, context.Str("dest"));
  if (auto ok = CheckDest(context, dest); !ok) return std::unexpected(ok.error());
  std::string src = ExpandUser(host, context.Str("src"));
  StagedArchive staged(host);
  if (FromController(context) || IsUrl(src)) {
    auto path = IsUrl(src) ? staged.Download(context, src) : staged.Write(context, src);
    if (!path) return std::unexpected(path.error());
    src = *path;
  } else if (auto ok = CheckRemoteSource(host, src); !ok) {
    return std::unexpected(ok.error());
  }
  auto archive = PickHandler(context, src, dest, BaseName(context.Str("src")));
  if (!archive) return std::unexpected(archive.error());
  bool zip = archive->handler->format == Format::kZip;
  auto verdict = zip ? ZipIsUnarchived(context, *archive) : TarIsUnarchived(context, *archive);
  if (!verdict) return std::unexpected(verdict.error());
  Json result{{"changed", !verdict->unarchived},
              {"dest", dest},
              {"src", src},
              {"handler", archive->handler_name}};
  if (!verdict->diff.empty()) result["diff"] = Json{{"prepared", verdict->diff}};
  if (!context.check) {
    auto applied = Unpack(context, *archive, verdict->unarchived, result);
    if (!applied) return std::unexpected(applied.error());
    if (result.contains("failed")) return result;
  }
  if (context.Bool("list_files")) result["files"] = tools::StringArray(archive->files);
  AddFileFacts(host, dest, result);
  return result;
}

}  // namespace tend
