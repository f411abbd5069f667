#include "controller/lab/apt_sources.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <sstream>

#include "controller/lab/files.h"

namespace tend::lab {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kBlank = " \t\r\n";

std::vector<std::string> Words(std::string_view text, std::string_view separators = kBlank) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = text.find_first_not_of(separators, pos)) != std::string_view::npos) {
    size_t end = text.find_first_of(separators, pos);
    out.emplace_back(text.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Signed-By names keyring files, fingerprints or (deb822) an inline key;
// only the files matter here.
std::vector<std::string> KeyringPaths(std::string_view value) {
  std::vector<std::string> out;
  if (value.find("-----BEGIN") != std::string_view::npos) return out;
  for (auto& word : Words(value, " \t\r\n,")) {
    if (word.starts_with("/")) out.push_back(word);
  }
  return out;
}

// `deb [opt=v ...] uri suite [component...]`, comments from '#'.
std::optional<AptSource> ParseOneLine(std::string line) {
  line = line.substr(0, line.find('#'));
  AptSource source;
  auto open = line.find('[');
  if (open != std::string::npos) {
    auto close = line.find(']', open);
    if (close == std::string::npos) return std::nullopt;
    for (const auto& option : Words(line.substr(open + 1, close - open - 1))) {
      auto eq = option.find('=');
      if (eq != std::string::npos && Lower(option.substr(0, eq)) == "signed-by") {
        source.signed_by = KeyringPaths(option.substr(eq + 1));
      }
    }
    line.erase(open, close - open + 1);
  }
  auto words = Words(line);
  if (words.size() < 3 || (words[0] != "deb" && words[0] != "deb-src")) return std::nullopt;
  source.types = {words[0]};
  source.uris = {words[1]};
  source.suites = {words[2]};
  source.components.assign(words.begin() + 3, words.end());
  return source;
}

std::vector<AptSource> ParseOneLineFile(std::string_view text) {
  std::vector<AptSource> out;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (auto source = ParseOneLine(line)) out.push_back(std::move(*source));
  }
  return out;
}

// One deb822 stanza's fields (lower-cased names); continuation lines, which
// start with a space, belong to the field before them.
AptSource FromStanza(const std::vector<std::pair<std::string, std::string>>& fields) {
  AptSource source;
  for (const auto& [name, value] : fields) {
    if (name == "types") source.types = Words(value);
    if (name == "uris") source.uris = Words(value);
    if (name == "suites") source.suites = Words(value);
    if (name == "components") source.components = Words(value);
    if (name == "signed-by") source.signed_by = KeyringPaths(value);
    if (name == "enabled") {
      auto words = Words(value);
      source.enabled = words.empty() || Lower(words[0]) != "no";
    }
  }
  return source;
}

std::vector<AptSource> ParseDeb822File(std::string_view text) {
  std::vector<AptSource> out;
  std::vector<std::pair<std::string, std::string>> fields;
  auto flush = [&] {
    if (!fields.empty()) out.push_back(FromStanza(fields));
    fields.clear();
  };
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("#")) continue;
    if (line.find_first_not_of(kBlank) == std::string::npos) {
      flush();
    } else if (line[0] == ' ' || line[0] == '\t') {
      if (!fields.empty()) fields.back().second += "\n" + line;
    } else if (auto colon = line.find(':'); colon != std::string::npos) {
      fields.emplace_back(Lower(line.substr(0, colon)), line.substr(colon + 1));
    }
  }
  flush();
  // apt refuses a stanza without Types; it names no source.
  std::erase_if(out, [](const AptSource& s) { return s.types.empty(); });
  return out;
}

// Debian's own suites (by codename or alias), so that third-party
// repositories with a `main` component (nodesource, cloud SDKs) are passed over.
bool IsDebianSuite(const std::string& suite) {
  static const std::set<std::string> kSuites = {
      "buster", "bullseye", "bookworm",  "trixie",  "forky",        "duke",
      "sid",    "stable",   "oldstable", "testing", "oldoldstable", "unstable"};
  if (suite.find('/') != std::string::npos || suite.ends_with("-security")) return false;
  return kSuites.contains(suite.substr(0, suite.find('-')));
}

bool Has(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

AptSourceFormat AptSourceFormatOf(std::string_view path) {
  return path.ends_with(".sources") ? AptSourceFormat::kDeb822 : AptSourceFormat::kOneLine;
}

std::vector<AptSource> ParseAptSources(std::string_view text, AptSourceFormat format) {
  return format == AptSourceFormat::kDeb822 ? ParseDeb822File(text) : ParseOneLineFile(text);
}

std::optional<std::string> DebianMirror(const std::vector<AptSource>& sources) {
  for (const auto& s : sources) {
    if (!s.enabled || !Has(s.types, "deb") || !Has(s.components, "main") || s.uris.empty()) {
      continue;
    }
    if (std::any_of(s.suites.begin(), s.suites.end(), IsDebianSuite)) return s.uris.front();
  }
  return std::nullopt;
}

std::vector<AptSourceFile> ReadAptSourceFiles(const std::string& root) {
  std::vector<std::string> paths = {"/etc/apt/sources.list"};
  std::vector<std::string> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root + "/etc/apt/sources.list.d", ec)) {
    auto ext = entry.path().extension();
    if (entry.is_regular_file() && (ext == ".list" || ext == ".sources")) {
      parts.push_back("/etc/apt/sources.list.d/" + entry.path().filename().string());
    }
  }
  std::sort(parts.begin(), parts.end());
  paths.insert(paths.end(), parts.begin(), parts.end());
  std::vector<AptSourceFile> files;
  for (const auto& path : paths) {
    if (!fs::is_regular_file(root + path, ec)) continue;
    if (auto text = ReadFile(root + path)) files.push_back({path, std::move(*text)});
  }
  return files;
}

Expected<std::string> DebianMirrorFromApt(const std::string& root) {
  std::vector<AptSource> sources;
  for (const auto& file : ReadAptSourceFiles(root)) {
    auto parsed = ParseAptSources(file.text, AptSourceFormatOf(file.path));
    sources.insert(sources.end(), parsed.begin(), parsed.end());
  }
  if (auto mirror = DebianMirror(sources)) return *mirror;
  return Fail(
      fmt::format("no Debian mirror to build the lab base from: {}/etc/apt/sources.list and "
                  "sources.list.d name no `deb` source for Debian main; give one with --mirror URL",
                  root));
}

}  // namespace tend::lab
