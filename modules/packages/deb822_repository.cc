#include <fmt/format.h>

#include <cctype>

#include "core/regex.h"
#include "modules/framework/all.h"
#include "modules/packages/apt_common.h"
#include "modules/framework/text.h"
#include "modules/network/http_common.h"

namespace tend {
namespace {

constexpr const char* kKeyringsDir = "/etc/apt/keyrings";

// Ansible's slug: lower case, runs of '_' and spaces become '-', anything
// else outside [a-z0-9-] goes.
std::string Slug(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const Regex kSpaces = Regex::Fixed(R"([_\s]+)"), kOther = Regex::Fixed("[^a-z0-9-]+");
  return kOther.Replace(kSpaces.Replace(lower, "-").value_or(lower), "").value_or(lower);
}

// A multi-line value (an inline key) as deb822 folds it: indented lines,
// blank lines as ".".
std::string Multiline(const std::string& value) {
  std::string out;
  for (const auto& line : SplitLines(StripTrailingNewlines(value))) {
    std::string text = line.get<std::string>();
    size_t b = text.find_first_not_of(" \t"), e = text.find_last_not_of(" \t");
    text = b == std::string::npos ? "." : text.substr(b, e - b + 1);
    out += "\n    " + text;
  }
  return out;
}

std::string FieldValue(const Json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_array()) {
    std::string out;
    for (const auto& v : value) out += (out.empty() ? "" : " ") + v.get<std::string>();
    return out;
  }
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

struct Field {
  const char* arg;
  const char* header;
};

// Deb822 field order: the identifying fields first, then options.
constexpr Field kFields[] = {
    {"name", "X-Repolib-Name"},
    {"types", "Types"},
    {"uris", "URIs"},
    {"suites", "Suites"},
    {"components", "Components"},
    {"architectures", "Architectures"},
    {"languages", "Languages"},
    {"targets", "Targets"},
    {"signed_by", "Signed-By"},
    {"enabled", "Enabled"},
    {"allow_downgrade_to_insecure", "Allow-Downgrade-To-Insecure"},
    {"allow_insecure", "Allow-Insecure"},
    {"allow_weak", "Allow-Weak"},
    {"by_hash", "By-Hash"},
    {"check_date", "Check-Date"},
    {"check_valid_until", "Check-Valid-Until"},
    {"date_max_future", "Date-Max-Future"},
    {"inrelease_path", "Inrelease-Path"},
    {"pdiffs", "Pdiffs"},
    {"trusted", "Trusted"},
};

std::string Render(const ModuleContext& context, const std::string& signed_by) {
  std::string out;
  for (const auto& field : kFields) {
    std::string value;
    if (std::string_view(field.arg) == "signed_by") {
      value = signed_by;
    } else if (context.Has(field.arg)) {
      value = FieldValue(context.args[field.arg]);
    }
    if (value.empty()) continue;
    // python-debian leaves no space after the colon of a folded value.
    if (value.find('\n') != std::string::npos) {
      out += fmt::format("{}:{}\n", field.header, Multiline(value));
      continue;
    }
    out += fmt::format("{}: {}\n", field.header, value);
  }
  return out;
}

uint32_t ParseMode(const ModuleContext& context) {
  const Json& mode = context.args["mode"];
  if (mode.is_number_integer()) return static_cast<uint32_t>(mode.get<int64_t>());
  std::string text = mode.is_string() ? mode.get<std::string>() : "0644";
  if (text.empty() || text.find_first_not_of("01234567") != std::string::npos) return 0644;
  return static_cast<uint32_t>(std::stoul(text, nullptr, 8));
}

Expected<Json> Absent(ModuleContext& context, const std::string& slug, const std::string& dest) {
  Host& host = context.Machine();
  bool changed = false;
  std::string key_filename;
  for (const std::string& path : {dest, fmt::format("{}/{}.asc", kKeyringsDir, slug),
                                  fmt::format("{}/{}.gpg", kKeyringsDir, slug)}) {
    if (path != dest) key_filename = path;
    auto info = host.Stat(path);
    if (!info || !info->exists()) continue;
    changed = true;
    if (context.check) continue;
    auto removed = host.Remove(path);
    if (!removed) return std::unexpected(removed.error());
  }
  return Json{{"changed", changed}, {"repo", nullptr}, {"dest", dest}, {"key_filename", key_filename}};
}

// Ansible's write_signed_by_key for a URL: the key is downloaded (by the
// agent's HTTP client) into /etc/apt/keyrings/<slug>.asc (.gpg when not
// armored), written when its content differs; Signed-By names that file.
Expected<std::pair<std::string, bool>> FetchSignedByKey(ModuleContext& context, const std::string& url,
                                                        const std::string& slug) {
  Host& host = context.Machine();
  auto key = DownloadText(context, url);
  if (!key) return Fail(fmt::format("Could not fetch signed_by key: {}", key.error().message));
  bool armored = key->find("-----BEGIN PGP PUBLIC KEY BLOCK-----") != std::string::npos;
  std::string path = fmt::format("{}/{}.{}", kKeyringsDir, slug, armored ? "asc" : "gpg");
  auto dir = host.Stat(kKeyringsDir);
  if (!dir) return std::unexpected(dir.error());
  auto info = host.Stat(path);
  if (!info) return std::unexpected(info.error());
  bool differs = !info->exists() || host.ReadFile(path).value_or("") != *key;
  bool changed = differs || (info->mode & 07777) != 0644;
  if (context.check || !changed) return std::pair{path, changed};
  if (!dir->exists()) {
    if (auto made = host.MakeDirectory(kKeyringsDir, 0755); !made) return std::unexpected(made.error());
  }
  auto written = differs ? host.WriteFileAtomic(path, StringSource(*key), {.mode = 0644, .uid = {}, .gid = {}})
                         : host.Chmod(path, 0644);
  if (!written) return std::unexpected(written.error());
  return std::pair{path, true};
}

}  // namespace

const ModuleSpec& Deb822RepositorySpec() {
  static const ModuleSpec spec{
      .name = "deb822_repository",
      .short_description = "Add and remove deb822 formatted repositories",
      .args = {{.name = "allow_downgrade_to_insecure", .type = ArgType::kBool},
               {.name = "allow_insecure", .type = ArgType::kBool},
               {.name = "allow_weak", .type = ArgType::kBool},
               {.name = "architectures", .type = ArgType::kList, .aliases = {"arch"}},
               {.name = "by_hash", .type = ArgType::kBool},
               {.name = "check_date", .type = ArgType::kBool},
               {.name = "check_valid_until", .type = ArgType::kBool},
               {.name = "components", .type = ArgType::kList},
               {.name = "date_max_future", .type = ArgType::kInt},
               {.name = "enabled", .type = ArgType::kBool},
               {.name = "inrelease_path", .type = ArgType::kStr},
               {.name = "languages", .type = ArgType::kList},
               {.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "pdiffs", .type = ArgType::kBool},
               {.name = "signed_by", .type = ArgType::kStr},
               {.name = "suites", .type = ArgType::kList},
               {.name = "targets", .type = ArgType::kList},
               {.name = "trusted", .type = ArgType::kBool},
               {.name = "types",
                .type = ArgType::kList,
                .default_value = Json::array({"deb"}),
                .choices = {"deb", "deb-src"}},
               {.name = "uris", .type = ArgType::kList},
               {.name = "install_python_debian", .type = ArgType::kBool, .default_value = false},
               {.name = "mode", .type = ArgType::kRaw, .default_value = "0644"},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"present", "absent"}}},
      .returns = {"repo", "dest", "key_filename"},
  };
  return spec;
}

// signed_by is kept as given when it is a path (Ansible: an existing file)
// or inline key data; a URL is downloaded into /etc/apt/keyrings.
Expected<Json> RunDeb822Repository(ModuleContext& context) {
  Host& host = context.Machine();
  std::string slug = Slug(context.Str("name"));
  std::string dest = fmt::format("/etc/apt/sources.list.d/{}.sources", slug);
  if (context.Str("state") == "absent") return Absent(context, slug, dest);
  std::string signed_by = context.Str("signed_by");
  bool key_changed = false;
  if (signed_by.find("://") != std::string::npos) {
    auto fetched = FetchSignedByKey(context, signed_by, slug);
    if (!fetched) return std::unexpected(fetched.error());
    std::tie(signed_by, key_changed) = *fetched;
  }
  Json key_filename = nullptr;
  if (!signed_by.empty() && signed_by.find('\n') == std::string::npos) key_filename = signed_by;
  std::string repo = Render(context, signed_by);
  uint32_t mode = ParseMode(context);
  auto info = host.Stat(dest);
  if (!info) return std::unexpected(info.error());
  std::string current;
  if (info->exists()) {
    auto content = host.ReadFile(dest);
    if (!content) return std::unexpected(content.error());
    current = *content;
  }
  bool content_changed = !info->exists() || current != repo;
  bool mode_changed = info->exists() && (info->mode & 07777) != mode;
  Json result{{"changed", content_changed || mode_changed || key_changed}, {"repo", repo}, {"dest", dest},
              {"key_filename", key_filename}};
  if (context.diff) result["diff"] = MakeDiff(dest, current, dest, repo);
  if (context.check) return result;
  if (content_changed) {
    auto written = host.WriteFileAtomic(dest, StringSource(repo), {.mode = mode, .uid = {}, .gid = {}});
    if (!written) return std::unexpected(written.error());
  } else if (mode_changed) {
    auto chmod = host.Chmod(dest, mode);
    if (!chmod) return std::unexpected(chmod.error());
  }
  return result;
}

}  // namespace tend
