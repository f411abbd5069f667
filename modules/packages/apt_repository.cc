#include <fmt/format.h>

#include <cctype>
#include <map>
#include <ranges>
#include <set>

#include "core/regex.h"
#include "modules/framework/all.h"
#include "modules/packages/apt_common.h"
#include "modules/files/file_common.h"
#include "modules/framework/text.h"

namespace tend {
namespace {

constexpr const char* kSourcesList = "/etc/apt/sources.list";
constexpr const char* kSourcesDir = "/etc/apt/sources.list.d";

// One line of a sources file, as Ansible's SourcesList keeps it: a valid
// line is a whitespace-normalised "deb ..." entry, maybe disabled ("# deb").
struct SourceLine {
  bool valid = false;
  bool enabled = true;
  std::string source;
  std::string comment;
};

std::string NormalizeSpaces(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) out += ' ';
      out += c;
      space = false;
    }
  }
  return out;
}

SourceLine ParseSourceLine(std::string_view raw) {
  SourceLine line;
  std::string text = NormalizeSpaces(raw);
  if (text.starts_with('#')) {
    line.enabled = false;
    text.erase(0, 1);
  }
  size_t hash = text.find('#');
  if (hash != std::string::npos && hash > 0) {
    line.comment = NormalizeSpaces(text.substr(hash + 1));
    text.erase(hash);
  }
  line.source = NormalizeSpaces(text);
  line.valid = line.source.starts_with("deb ") || line.source.starts_with("deb-src ");
  return line;
}

std::string RenderSources(const std::vector<SourceLine>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!line.enabled) out += "# ";
    out += line.source;
    if (!line.comment.empty()) out += " # " + line.comment;
    out += '\n';
  }
  return out;
}

// Ansible's default file name: the first word after options and the
// scheme, without credentials, with non-alphanumerics turned into '_'.
std::string SuggestFilename(const std::string& source, const std::string& filename) {
  if (!filename.empty()) return filename + ".list";
  static const Regex kOptions = Regex::Fixed(R"(\[[^\]]+\])"), kScheme = Regex::Fixed(R"(\w+://)");
  std::string line = kOptions.Replace(source, "").value_or(source);
  line = kScheme.Replace(line, "").value_or(line);
  std::string first;
  for (const auto& word : NormalizeSpaces(line) | std::views::split(' ')) {
    std::string w(word.begin(), word.end());
    if (w != "deb" && w != "deb-src") {
      first = w;
      break;
    }
  }
  if (size_t at = first.find('@'); at != std::string::npos) first = first.substr(at + 1);
  for (char& c : first) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = ' ';
  }
  std::string name = NormalizeSpaces(first);
  for (char& c : name) {
    if (c == ' ') c = '_';
  }
  return name + ".list";
}

using SourceFiles = std::map<std::string, std::vector<SourceLine>>;

Expected<SourceFiles> LoadSources(Host& host) {
  SourceFiles files;
  std::vector<std::string> paths{kSourcesList};
  auto names = host.ListDirectory(kSourcesDir);
  if (names) {
    for (const auto& name : *names) {
      if (name.ends_with(".list")) paths.push_back(JoinPath(kSourcesDir, name));
    }
  }
  for (const auto& path : paths) {
    auto info = host.Stat(path);
    if (!info || !info->exists()) continue;
    auto content = host.ReadFile(path);
    if (!content) return std::unexpected(content.error());
    auto& lines = files[path];
    for (const auto& raw : SplitLines(*content)) lines.push_back(ParseSourceLine(raw.get<std::string>()));
  }
  return files;
}

bool AddSource(SourceFiles& files, const std::string& source, const std::string& file) {
  bool found = false;
  for (auto& [path, lines] : files) {
    for (auto& line : lines) {
      if (line.valid && line.source == source) {
        line.enabled = true;
        found = true;
      }
    }
  }
  if (!found) files[file].push_back({true, true, source, ""});
  return !found;
}

void RemoveSource(SourceFiles& files, const std::string& source) {
  for (auto& [path, lines] : files) {
    std::erase_if(lines, [&](const SourceLine& l) { return l.valid && l.enabled && l.source == source; });
  }
}

Expected<void> UpdateCache(ModuleContext& context) {
  int64_t retries = std::max<int64_t>(1, context.Int("update_cache_retries", 5));
  std::string error;
  for (int64_t attempt = 0; attempt < retries; ++attempt) {
    if (attempt > 0) {
      int64_t delay = std::min<int64_t>(int64_t{1} << (attempt - 1), context.Int("update_cache_retry_max_delay", 12));
      (void)context.Machine().Run({.argv = {"sleep", std::to_string(delay)}, .stdin_data = {}, .cwd = {}, .env = {}});
    }
    auto ran = RunAptCommand(context.Machine(), {"apt-get", "update", "-q"}, 60);
    if (!ran) return std::unexpected(ran.error());
    if (ran->rc == 0) return {};
    error = std::string(StripTrailingNewlines(ran->stderr_data));
  }
  return Fail(fmt::format("Failed to update apt cache: {}", error));
}

Expected<uint32_t> ModeFor(ModuleContext& context, std::optional<uint32_t> existing) {
  if (!context.Has("mode")) return existing.value_or(0644);
  const Json& mode = context.args["mode"];
  std::string text = mode.is_string() ? mode.get<std::string>() : "";
  if (mode.is_number_integer()) return static_cast<uint32_t>(mode.get<int64_t>());
  if (text.empty() || text.find_first_not_of("01234567") != std::string::npos) {
    return Fail(fmt::format("mode must be in octal form, got: {}", mode.dump()));
  }
  return static_cast<uint32_t>(std::stoul(text, nullptr, 8));
}

// Writes each file whose content changed; a file left with no lines goes.
Expected<void> SaveSources(ModuleContext& context, const SourceFiles& before, const SourceFiles& after) {
  Host& host = context.Machine();
  for (const auto& [path, lines] : after) {
    auto old = before.find(path);
    std::string content = RenderSources(lines);
    if (old != before.end() && RenderSources(old->second) == content) continue;
    if (lines.empty()) {
      auto removed = host.Remove(path);
      if (!removed) return removed;
      continue;
    }
    auto info = host.Stat(path);
    std::optional<uint32_t> existing;
    if (info && info->exists()) existing = info->mode & 07777;
    auto mode = ModeFor(context, existing);
    if (!mode) return std::unexpected(mode.error());
    auto written = host.WriteFileAtomic(path, StringSource(content), {.mode = *mode, .uid = {}, .gid = {}});
    if (!written) return written;
  }
  return {};
}

}  // namespace

const ModuleSpec& AptRepositorySpec() {
  static const ModuleSpec spec{
      .name = "apt_repository",
      .short_description = "Add and remove APT repositories",
      .args = {{.name = "repo", .type = ArgType::kStr, .required = true},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}},
               {.name = "mode", .type = ArgType::kRaw},
               {.name = "update_cache",
                .type = ArgType::kBool,
                .default_value = true,
                .aliases = {"update-cache"}},
               {.name = "update_cache_retries", .type = ArgType::kInt, .default_value = 5},
               {.name = "update_cache_retry_max_delay", .type = ArgType::kInt, .default_value = 12},
               {.name = "validate_certs", .type = ArgType::kBool, .default_value = true},
               {.name = "filename", .type = ArgType::kStr},
               {.name = "codename", .type = ArgType::kStr},
               {.name = "install_python_apt", .type = ArgType::kBool, .default_value = true}},
      .supports_diff = true,
      .returns = {"repo", "state", "sources_added", "sources_removed"},
  };
  return spec;
}

Expected<Json> RunAptRepository(ModuleContext& context) {
  std::string repo = context.Str("repo");
  if (repo.starts_with("ppa:")) {
    return Fail("PPA repositories (ppa:) are Ubuntu-only; tend supports deb lines on this target");
  }
  SourceLine wanted = ParseSourceLine(repo);
  if (!wanted.valid || !wanted.enabled) return Fail(fmt::format("Invalid repository string: {}", repo));
  auto before = LoadSources(context.Machine());
  if (!before) return std::unexpected(before.error());
  SourceFiles after = *before;
  std::string state = context.Str("state", "present");
  if (state == "present") {
    std::string file = SuggestFilename(wanted.source, context.Str("filename"));
    if (!file.starts_with('/')) file = JoinPath(kSourcesDir, file);
    AddSource(after, wanted.source, file);
  } else {
    RemoveSource(after, wanted.source);
  }
  Json result{{"changed", false}, {"repo", repo}, {"state", state}};
  Json diff = Json::array(), added = Json::array(), removed = Json::array();
  for (const auto& [path, lines] : after) {
    auto old = before->find(path);
    std::string old_text = old == before->end() ? "" : RenderSources(old->second);
    std::string new_text = RenderSources(lines);
    if (old_text == new_text) continue;
    result["changed"] = true;
    if (old == before->end()) added.push_back(path);
    if (lines.empty()) removed.push_back(path);
    diff.push_back(MakeDiff(path, old_text, path, new_text));
  }
  result["sources_added"] = added;
  result["sources_removed"] = removed;
  if (context.diff) result["diff"] = diff;
  if (!result["changed"].get<bool>() || context.check) return result;
  auto saved = SaveSources(context, *before, after);
  if (!saved) return std::unexpected(saved.error());
  if (context.Bool("update_cache", true)) {
    auto updated = UpdateCache(context);
    if (!updated) return std::unexpected(updated.error());
  }
  return result;
}

}  // namespace tend
