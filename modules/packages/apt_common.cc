#include "modules/packages/apt_common.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>

#include "core/strings.h"
#include "core/hash.h"
#include "modules/framework/text.h"

namespace tend {
namespace {


std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

// "a (>= 1), b:any, c" -> {a, b, c}: the names a Provides field offers.
std::vector<std::string> ProvidedNames(std::string_view field) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= field.size()) {
    size_t comma = field.find(',', start);
    std::string_view item =
        Trim(field.substr(start, comma == std::string_view::npos ? field.npos : comma - start));
    item = item.substr(0, std::min(item.find(' '), item.find('(')));
    item = item.substr(0, item.find(':'));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

void SetField(DpkgPackage& pkg, std::string_view key, std::string_view value) {
  if (key == "Package") {
    pkg.name = value;
  } else if (key == "Version") {
    pkg.version = value;
  } else if (key == "Architecture") {
    pkg.arch = value;
  } else if (key == "Section") {
    pkg.section = value;
  } else if (key == "Source") {
    pkg.source = value.substr(0, value.find(' '));
  } else if (key == "Provides") {
    pkg.provides = ProvidedNames(value);
  } else if (key == "Status") {
    auto words = Words(value);
    if (words.size() == 3) {
      pkg.want = words[0];
      pkg.state = words[2];
    }
  }
}

bool LockContention(std::string_view output) {
  for (std::string_view marker :
       {"Could not get lock", "Unable to lock", "Unable to acquire the dpkg frontend lock",
        "dpkg status database is locked"}) {
    if (output.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

std::vector<DpkgPackage> ParseDpkgStatus(std::string_view content) {
  std::vector<DpkgPackage> out;
  DpkgPackage current;
  auto flush = [&] {
    if (!current.name.empty()) out.push_back(std::move(current));
    current = DpkgPackage{};
  };
  size_t pos = 0;
  while (pos < content.size()) {
    size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    if (Trim(line).empty()) {
      flush();
      continue;
    }
    // Continuation lines (descriptions, conffiles) carry nothing we read.
    if (line[0] == ' ' || line[0] == '\t') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    SetField(current, line.substr(0, colon), Trim(line.substr(colon + 1)));
  }
  flush();
  return out;
}

DpkgStatus::DpkgStatus(std::vector<DpkgPackage> packages) : packages_(std::move(packages)) {
  for (size_t i = 0; i < packages_.size(); ++i) by_name_.emplace(packages_[i].name, i);
}

std::vector<const DpkgPackage*> DpkgStatus::Find(const std::string& name,
                                                 const std::string& arch) const {
  std::vector<const DpkgPackage*> out;
  auto [begin, end] = by_name_.equal_range(name);
  for (auto it = begin; it != end; ++it) {
    const DpkgPackage& pkg = packages_[it->second];
    if (arch.empty() || pkg.arch == arch || pkg.arch == "all") out.push_back(&pkg);
  }
  return out;
}

bool DpkgStatus::ProvidedByInstalled(const std::string& name) const {
  return std::any_of(packages_.begin(), packages_.end(), [&](const DpkgPackage& pkg) {
    return pkg.Installed() &&
           std::find(pkg.provides.begin(), pkg.provides.end(), name) != pkg.provides.end();
  });
}

Expected<DpkgStatus> ReadDpkgStatus(Host& host) {
  auto content = host.ReadFile(kDpkgStatusPath);
  if (!content) return Fail(fmt::format("cannot read {}: {}", kDpkgStatusPath, content.error().message));
  return DpkgStatus(ParseDpkgStatus(*content));
}

std::string PackagePin::AptArgument() const {
  return version.empty() ? NameWithArch() : NameWithArch() + "=" + version;
}

PackagePin ParsePackagePin(std::string_view text) {
  PackagePin spec;
  text = Trim(text);
  size_t eq = text.find('=');
  std::string_view name = text.substr(0, eq);
  if (eq != std::string_view::npos) spec.version = std::string(Trim(text.substr(eq + 1)));
  size_t colon = name.find(':');
  spec.name = std::string(Trim(name.substr(0, colon)));
  if (colon != std::string_view::npos) spec.arch = std::string(name.substr(colon + 1));
  return spec;
}

bool VersionMatches(const std::string& installed, const std::string& pin) {
  return fnmatch(pin.c_str(), installed.c_str(), 0) == 0;
}

std::map<std::string, AptPolicy> ParseAptPolicy(std::string_view output) {
  std::map<std::string, AptPolicy> out;
  AptPolicy* current = nullptr;
  bool in_table = false;
  for (const auto& entry : SplitLines(output)) {
    std::string line = entry.get<std::string>();
    if (line.empty()) continue;
    if (line[0] != ' ' && line.back() == ':') {
      current = &out[line.substr(0, line.size() - 1)];
      in_table = false;
      continue;
    }
    if (!current) continue;
    std::string_view body = Trim(line);
    size_t indent = line.find_first_not_of(' ');
    if (body.starts_with("Installed:")) {
      current->installed = std::string(Trim(body.substr(10)));
      if (current->installed == "(none)") current->installed.clear();
    } else if (body.starts_with("Candidate:")) {
      current->candidate = std::string(Trim(body.substr(10)));
      if (current->candidate == "(none)") current->candidate.clear();
    } else if (body.starts_with("Version table:")) {
      in_table = true;
    } else if (in_table && (body.starts_with("*** ") || indent < 8)) {
      if (body.starts_with("*** ")) body.remove_prefix(4);
      auto words = Words(body);
      if (!words.empty()) current->versions.push_back(words[0]);
    }
  }
  return out;
}

namespace {

std::vector<std::string> CommonAptArgs(const AptOptions& options) {
  std::vector<std::string> argv;
  std::string_view opts = options.dpkg_options;
  size_t start = 0;
  while (start < opts.size()) {
    size_t comma = opts.find(',', start);
    std::string_view one = Trim(opts.substr(start, comma == opts.npos ? opts.npos : comma - start));
    if (!one.empty()) argv.insert(argv.end(), {"-o", fmt::format("Dpkg::Options::=--{}", one)});
    if (comma == opts.npos) break;
    start = comma + 1;
  }
  return argv;
}

}  // namespace

std::vector<std::string> AptInstallArgv(const AptOptions& options,
                                        const std::vector<std::string>& packages, bool simulate,
                                        const std::string& verb) {
  std::vector<std::string> argv{"apt-get", "-y"};
  auto common = CommonAptArgs(options);
  argv.insert(argv.end(), common.begin(), common.end());
  if (options.only_upgrade) argv.push_back("--only-upgrade");
  if (options.fixed) argv.push_back("--fix-broken");
  if (options.force) argv.push_back("--force-yes");
  if (options.fail_on_autoremove) argv.push_back("--no-remove");
  if (options.allow_unauthenticated) argv.push_back("--allow-unauthenticated");
  if (options.allow_downgrade) argv.push_back("--allow-downgrades");
  if (options.allow_change_held_packages) argv.push_back("--allow-change-held-packages");
  if (options.autoremove) argv.push_back("--auto-remove");
  if (!options.default_release.empty()) argv.insert(argv.end(), {"-t", options.default_release});
  if (options.install_recommends.has_value()) {
    argv.insert(argv.end(), {"-o", *options.install_recommends ? "APT::Install-Recommends=yes"
                                                               : "APT::Install-Recommends=no"});
  }
  if (simulate) argv.push_back("--simulate");
  argv.push_back(verb);
  argv.insert(argv.end(), packages.begin(), packages.end());
  return argv;
}

std::vector<std::string> AptRemoveArgv(const AptOptions& options,
                                       const std::vector<std::string>& packages, bool simulate) {
  std::vector<std::string> argv{"apt-get", "-q", "-y"};
  auto common = CommonAptArgs(options);
  argv.insert(argv.end(), common.begin(), common.end());
  if (options.purge) argv.push_back("--purge");
  if (options.force) argv.push_back("--force-yes");
  if (options.autoremove) argv.push_back("--auto-remove");
  if (simulate) argv.push_back("--simulate");
  argv.push_back("remove");
  argv.insert(argv.end(), packages.begin(), packages.end());
  return argv;
}

std::map<std::string, std::string> AptEnvironment() {
  return {{"DEBIAN_FRONTEND", "noninteractive"},
          {"DEBIAN_PRIORITY", "critical"},
          {"LANG", "C"},
          {"LC_ALL", "C"},
          {"LC_MESSAGES", "C"},
          {"LC_CTYPE", "C"}};
}

bool AptDidNothing(std::string_view output) {
  return output.find("0 upgraded, 0 newly installed, 0 to remove") != std::string_view::npos ||
         (output.find("0 upgraded, 0 newly installed") != std::string_view::npos &&
          output.find(" to remove") == std::string_view::npos);
}

Expected<ProcessResult> RunAptCommand(Host& host, std::vector<std::string> argv,
                                      int64_t lock_timeout, std::optional<std::string> stdin_data) {
  ProcessSpec spec{.argv = std::move(argv), .stdin_data = std::move(stdin_data), .cwd = {},
                   .env = AptEnvironment()};
  // The attempt count bounds the wait even where the clock does not move.
  int64_t deadline = host.NowMicros() + lock_timeout * 1000000;
  for (int64_t attempt = 0;; ++attempt) {
    auto ran = host.Run(spec);
    if (!ran) return ran;
    if (ran->rc == 0 || !LockContention(ran->stderr_data + ran->stdout_data)) return ran;
    if (attempt >= lock_timeout || host.NowMicros() >= deadline) {
      return Fail(fmt::format("Failed to lock apt for exclusive operation: {} (waited {} s)",
                              StripTrailingNewlines(ran->stderr_data), lock_timeout));
    }
    (void)host.Run({.argv = {"sleep", "1"}, .stdin_data = {}, .cwd = {}, .env = {}});
  }
}

int64_t AptCacheTime(Host& host) {
  for (const char* path : {kAptUpdateStampPath, kAptListsPath}) {
    auto info = host.Stat(path);
    if (info && info->exists()) return info->mtime;
  }
  return 0;
}

bool AptCacheFresh(int64_t cache_time, int64_t valid_seconds, int64_t now_seconds) {
  return cache_time + valid_seconds >= now_seconds;
}

Expected<std::string> Base64Decode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    else if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    else if (c >= '0' && c <= '9') value = c - '0' + 52;
    else if (c == '+') value = 62;
    else if (c == '/') value = 63;
    else if (c == '=') break;
    else if (std::isspace(static_cast<unsigned char>(c))) continue;
    else return Fail(fmt::format("invalid base64 character '{}'", c));
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

Expected<std::string> Dearmor(std::string_view data) {
  size_t begin = data.find("-----BEGIN PGP");
  if (begin == std::string_view::npos) return std::string(data);
  std::string body;
  bool in_headers = true;
  size_t pos = data.find('\n', begin);
  while (pos != std::string_view::npos && pos < data.size()) {
    size_t end = data.find('\n', pos + 1);
    std::string_view line =
        Trim(data.substr(pos + 1, end == std::string_view::npos ? data.npos : end - pos - 1));
    pos = end;
    if (line.starts_with("-----END")) break;
    if (in_headers && (line.empty() || line.find(": ") != std::string_view::npos)) {
      if (line.empty()) in_headers = false;
      continue;
    }
    in_headers = false;
    if (line.starts_with('=')) break;  // the CRC-24 checksum line
    body += line;
  }
  auto decoded = Base64Decode(body);
  if (!decoded || decoded->empty()) return Fail("not a valid ASCII-armored OpenPGP key");
  return decoded;
}

std::vector<std::string> KeyFingerprints(std::string_view binary) {
  std::vector<std::string> out;
  size_t pos = 0;
  auto byte = [&](size_t i) { return static_cast<unsigned char>(binary[i]); };
  while (pos < binary.size()) {
    unsigned char header = byte(pos++);
    if (!(header & 0x80)) break;
    int tag;
    size_t length = 0;
    if (header & 0x40) {
      tag = header & 0x3f;
      if (pos >= binary.size()) break;
      unsigned char first = byte(pos++);
      if (first < 192) {
        length = first;
      } else if (first < 224 && pos < binary.size()) {
        length = ((first - 192) << 8) + byte(pos++) + 192;
      } else if (first == 255 && pos + 4 <= binary.size()) {
        length = (size_t{byte(pos)} << 24) | (byte(pos + 1) << 16) | (byte(pos + 2) << 8) | byte(pos + 3);
        pos += 4;
      } else {
        break;  // partial lengths never occur in key packets
      }
    } else {
      tag = (header >> 2) & 0x0f;
      int type = header & 3;
      if (type == 3) {
        length = binary.size() - pos;
      } else {
        size_t bytes = size_t{1} << type;
        if (pos + bytes > binary.size()) break;
        for (size_t i = 0; i < bytes; ++i) length = (length << 8) | byte(pos + i);
        pos += bytes;
      }
    }
    if (pos + length > binary.size()) break;
    std::string_view body = binary.substr(pos, length);
    pos += length;
    if ((tag == 6 || tag == 14) && !body.empty() && body[0] == 4) {
      std::string prefix{static_cast<char>(0x99), static_cast<char>((length >> 8) & 0xff),
                         static_cast<char>(length & 0xff)};
      std::string hex = Sha1Hex(prefix + std::string(body));
      std::transform(hex.begin(), hex.end(), hex.begin(), ::toupper);
      out.push_back(hex);
    }
  }
  return out;
}

}  // namespace tend
