#include "controller/config/ansible_config.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "controller/config/ini.h"
#include "core/strings.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

// Ansible's unquote: one pair of matching outer quotes goes.
std::string Unquote(std::string s) {
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

std::vector<std::string> Split(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find(sep, at);
    std::string part(Trim(text.substr(at, end == std::string_view::npos ? end : end - at)));
    if (!part.empty()) out.push_back(std::move(part));
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return out;
}

// unfrackpath: ~ and $VAR / ${VAR} expanded, then relative to `base`.
std::string ResolvePath(const std::string& path, const std::string& base,
                        const ConfigEnvironment& env) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '$' || i + 1 == path.size()) {
      out += path[i];
      continue;
    }
    bool braced = path[i + 1] == '{';
    size_t start = i + (braced ? 2 : 1);
    size_t end = start;
    while (end < path.size() && (std::isalnum(static_cast<unsigned char>(path[end])) ||
                                 path[end] == '_')) {
      ++end;
    }
    if (end == start || (braced && (end >= path.size() || path[end] != '}'))) {
      out += path[i];
      continue;
    }
    auto value = env.getenv(path.substr(start, end - start));
    if (!value) {  // os.path.expandvars leaves unknown variables alone
      out += path[i];
      continue;
    }
    out += *value;
    i = braced ? end : end - 1;
  }
  if (out == "~" || out.starts_with("~/")) out = env.home + out.substr(1);
  fs::path p(out);
  if (p.is_relative()) p = fs::path(base) / p;
  std::string normal = p.lexically_normal().string();
  if (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

struct RawValue {
  std::string text;
  std::string origin;  // as SettingValue::origin
  std::string base;    // relative paths resolve here
};

Expected<Json> Typed(const SettingSpec& spec, const RawValue& raw, const ConfigEnvironment& env) {
  auto bad = [&](std::string_view expected) {
    return Fail(fmt::format("{}: {}: invalid value '{}' ({} expected)", raw.origin, spec.key,
                            raw.text, expected));
  };
  switch (spec.type) {
    case SettingType::kBool:
      return Json(ConfigTruthy(raw.text));
    case SettingType::kInt: {
      std::string t(Trim(raw.text));
      char* end = nullptr;
      long v = std::strtol(t.c_str(), &end, 10);
      if (t.empty() || *end != '\0') return bad("an integer");
      return Json(v);
    }
    case SettingType::kPath:
      if (raw.text.empty()) return Json("");
      return Json(ResolvePath(raw.text, raw.base, env));
    case SettingType::kPathList:
    case SettingType::kPathSpec: {
      Json list = Json::array();
      for (const auto& p : Split(raw.text, spec.type == SettingType::kPathList ? ',' : ':')) {
        list.push_back(ResolvePath(p, raw.base, env));
      }
      return list;
    }
    case SettingType::kList: {
      Json list = Json::array();
      for (const auto& w : Split(raw.text, ',')) list.push_back(Unquote(w));
      return list;
    }
    case SettingType::kString:
      break;
  }
  std::string value = Unquote(raw.text);
  if (spec.choices != nullptr) {
    auto allowed = Split(spec.choices, '|');
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      return bad("one of " + Join(allowed, ", "));
    }
  }
  return Json(value);
}

// The INI line or variable that sets `spec`, if any: the environment wins.
std::optional<RawValue> RawFor(const SettingSpec& spec, const IniFile* ini,
                               const ConfigEnvironment& env) {
  for (const char* name : {spec.env, spec.alt_env}) {
    if (name == nullptr) continue;
    if (auto v = env.getenv(name)) return RawValue{*v, fmt::format("env: {}", name), env.cwd};
  }
  if (ini == nullptr) return std::nullopt;
  for (const char* key : {spec.key, spec.alt_key}) {
    if (key == nullptr) continue;
    if (const IniEntry* e = ini->Find(spec.section, key)) {
      return RawValue{e->value, fmt::format("{}:{}", ini->path, e->line),
                      fs::path(ini->path).parent_path().string()};
    }
  }
  return std::nullopt;
}

std::string UnusedWarning(const std::string& origin, const std::string& section,
                          const std::string& key, const char* why) {
  std::string where = origin.starts_with("env: ") ? origin.substr(5) : origin;
  return fmt::format("{}: setting '{}' in [{}] is not used by tend{}", where, key, section,
                     why ? fmt::format(" ({})", why) : "");
}

// Keys of the file that no row of the table knows.
void WarnUnknownKeys(const IniFile& ini, std::vector<std::string>& warnings,
                     std::map<std::string, std::string>& tend) {
  for (const auto& section : ini.sections) {
    for (const auto& e : section.entries) {
      if (section.name == "tend") {
        tend[e.key] = e.value;
        continue;
      }
      if (FindSettingByKey(section.name, e.key) != nullptr) continue;
      warnings.push_back(
          UnusedWarning(fmt::format("{}:{}", ini.path, e.line), section.name, e.key, nullptr));
    }
  }
}

}  // namespace

bool ConfigTruthy(std::string_view text) {
  std::string t(Trim(text));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  return t == "y" || t == "yes" || t == "on" || t == "1" || t == "true" || t == "t" ||
         t == "1.0";
}

ConfigEnvironment RealConfigEnvironment() {
  ConfigEnvironment env;
  env.getenv = [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  env.read_file = [](const std::string& path) -> std::optional<std::string> {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec) || ::access(path.c_str(), R_OK) != 0) return std::nullopt;
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };
  env.is_directory = [](const std::string& path) {
    std::error_code ec;
    return fs::is_directory(path, ec);
  };
  std::error_code ec;
  env.cwd = fs::current_path(ec).string();
  struct stat st {};
  env.cwd_world_writable = ::stat(env.cwd.c_str(), &st) == 0 && (st.st_mode & S_IWOTH) != 0;
  const char* home = std::getenv("HOME");
  env.home = home != nullptr ? home : "";
  return env;
}

std::optional<std::string> FindConfigFile(const ConfigEnvironment& env,
                                          std::vector<std::string>& warnings) {
  std::vector<std::string> candidates;
  std::optional<std::string> from_env;
  if (auto v = env.getenv("ANSIBLE_CONFIG")) {
    std::string path = ResolvePath(*v, env.cwd, env);
    if (env.is_directory(path)) path += "/ansible.cfg";
    from_env = path;
    candidates.push_back(path);
  }
  std::string cwd_cfg = (fs::path(env.cwd) / "ansible.cfg").string();
  if (!env.cwd_world_writable) candidates.push_back(cwd_cfg);
  candidates.push_back(ResolvePath("~/.ansible.cfg", env.cwd, env));
  candidates.push_back("/etc/ansible/ansible.cfg");
  std::optional<std::string> found;
  for (const auto& c : candidates) {
    if (env.read_file(c)) {
      found = c;
      break;
    }
  }
  if (env.cwd_world_writable && (!from_env || found != from_env) && env.read_file(cwd_cfg)) {
    warnings.push_back(fmt::format(
        "{} is in a world writable directory ({}); it is ignored, as Ansible ignores it",
        cwd_cfg, env.cwd));
  }
  return found;
}

Expected<AnsibleConfig> LoadAnsibleConfig(const ConfigEnvironment& env) {
  AnsibleConfig config;
  std::optional<IniFile> ini;
  if (auto path = FindConfigFile(env, config.warnings_)) {
    config.file_ = *path;
    auto parsed = ParseIni(env.read_file(*path).value_or(""), *path);
    if (!parsed) return std::unexpected(parsed.error());
    ini = std::move(*parsed);
    WarnUnknownKeys(*ini, config.warnings_, config.tend_);
  }
  for (const SettingSpec& spec : Settings()) {
    SettingValue value{&spec, Json(), "default"};
    auto raw = RawFor(spec, ini ? &*ini : nullptr, env);
    auto typed = Typed(spec, raw ? *raw : RawValue{spec.default_text, "default", env.cwd}, env);
    if (!typed) return std::unexpected(typed.error());
    value.value = std::move(*typed);
    if (raw) {
      value.origin = raw->origin;
      bool quiet = spec.quiet_value != nullptr &&
                   value.value == *Typed(spec, RawValue{spec.quiet_value, "", env.cwd}, env);
      if (spec.use == SettingUse::kIgnored && !quiet) {
        config.warnings_.push_back(UnusedWarning(raw->origin, spec.section, spec.key, spec.note));
      }
    }
    config.values_.push_back(std::move(value));
  }
  return config;
}

const SettingValue& AnsibleConfig::Get(std::string_view name) const {
  for (const auto& v : values_) {
    if (name == v.spec->name) return v;
  }
  throw std::logic_error(fmt::format("no ansible.cfg setting '{}'", name));
}

std::string AnsibleConfig::String(std::string_view name) const {
  const Json& v = Get(name).value;
  return v.is_string() ? v.get<std::string>() : v.dump();
}

bool AnsibleConfig::Bool(std::string_view name) const {
  const Json& v = Get(name).value;
  return v.is_boolean() && v.get<bool>();
}

int AnsibleConfig::Int(std::string_view name) const {
  const Json& v = Get(name).value;
  return v.is_number() ? v.get<int>() : 0;
}

std::vector<std::string> AnsibleConfig::List(std::string_view name) const {
  std::vector<std::string> out;
  const Json& v = Get(name).value;
  if (v.is_array()) {
    for (const auto& s : v) out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace tend
