// Pure parsers of the text formats the facts read.

#include <arpa/inet.h>
#include <fmt/format.h>

#include <sstream>

#include "core/mount_table.h"
#include "core/strings.h"
#include "modules/system/fact_shaping.h"

namespace tend {

namespace facts {

std::vector<std::string> Lines(std::string_view content) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < content.size()) {
    size_t end = content.find('\n', start);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(start, end - start);
    if (line.ends_with('\r')) line.remove_suffix(1);
    out.emplace_back(line);
    start = end + 1;
  }
  return out;
}

std::vector<std::string> Words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  std::string word;
  while (in >> word) out.push_back(word);
  return out;
}

std::vector<std::string> SplitString(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = text.find(sep, start);
    out.emplace_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

std::optional<std::pair<std::string, std::string>> SplitOnce(std::string_view line, char sep) {
  size_t at = line.find(sep);
  if (at == std::string_view::npos) return std::nullopt;
  return std::pair{std::string(Trim(line.substr(0, at))), std::string(Trim(line.substr(at + 1)))};
}

const std::vector<std::string>& SelinuxLibraryPaths() {
  static const std::vector<std::string> paths{
      "/lib/x86_64-linux-gnu/libselinux.so.1", "/usr/lib/x86_64-linux-gnu/libselinux.so.1",
      "/lib/aarch64-linux-gnu/libselinux.so.1", "/usr/lib/aarch64-linux-gnu/libselinux.so.1",
      "/lib64/libselinux.so.1", "/usr/lib64/libselinux.so.1", "/lib/libselinux.so.1",
      "/usr/lib/libselinux.so.1"};
  return paths;
}

}  // namespace facts

using facts::Lines;
using facts::Words;

std::optional<std::string> FileSnapshot::Read(const std::string& path) const {
  auto it = contents.find(path);
  if (it == contents.end()) return std::nullopt;
  return it->second;
}

std::string FileSnapshot::Text(const std::string& path, const std::string& fallback) const {
  auto text = Read(path);
  return text ? std::string(Trim(*text)) : fallback;
}

std::optional<std::string> FileSnapshot::Link(const std::string& path) const {
  auto it = links.find(path);
  if (it == links.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FileSnapshot::List(const std::string& path) const {
  auto it = dirs.find(path);
  return it == dirs.end() ? std::vector<std::string>{} : it->second;
}

std::map<std::string, std::string> ParseOsRelease(std::string_view content) {
  std::map<std::string, std::string> out;
  for (const auto& line : Lines(content)) {
    size_t eq = line.find('=');
    if (eq == std::string::npos || line.starts_with('#')) continue;
    std::string value(Trim(line.substr(eq + 1)));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    out[std::string(Trim(line.substr(0, eq)))] = value;
  }
  return out;
}

std::map<std::string, int64_t> ParseMeminfo(std::string_view content) {
  std::map<std::string, int64_t> out;
  for (const auto& line : Lines(content)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    out[line.substr(0, colon)] = std::atoll(line.c_str() + colon + 1);
  }
  return out;
}

std::vector<Mount> ParseMounts(std::string_view content) {
  std::vector<Mount> out;
  for (auto& m : ParseProcMounts(content)) {
    bool device_path = m.source.starts_with('/') || m.source.starts_with('\\') ||
                       m.source.find(":/") != std::string::npos;
    if (!device_path || m.fs_type == "none") continue;
    out.push_back(Mount{std::move(m.source), std::move(m.mount_point), std::move(m.fs_type),
                        std::move(m.options)});
  }
  return out;
}

std::optional<DefaultRoute> ParseDefaultRoute(std::string_view content) {
  std::optional<DefaultRoute> best;
  long best_metric = 0;
  auto lines = Lines(content);
  for (size_t i = 1; i < lines.size(); ++i) {
    auto w = Words(lines[i]);
    if (w.size() < 7 || w[1] != "00000000") continue;
    // Gateway is hex in the kernel's (little-endian on x86/arm) byte order.
    uint32_t raw = static_cast<uint32_t>(std::stoul(w[2], nullptr, 16));
    in_addr addr{raw};
    char buffer[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &addr, buffer, sizeof buffer);
    long metric = std::atol(w[6].c_str());
    if (!best || metric < best_metric) {
      best = DefaultRoute{w[0], raw == 0 ? "" : buffer};
      best_metric = metric;
    }
  }
  return best;
}

std::optional<DefaultRoute> ParseDefaultRoute6(std::string_view content) {
  constexpr unsigned long kUp = 0x0001, kReject = 0x0200;
  std::optional<DefaultRoute> best;
  unsigned long best_metric = 0;
  for (const auto& line : Lines(content)) {
    auto w = Words(line);
    if (w.size() < 10 || w[0] != std::string(32, '0') || w[1] != "00") continue;
    unsigned long flags = std::stoul(w[8], nullptr, 16);
    if (!(flags & kUp) || (flags & kReject) || w[9] == "lo") continue;
    in6_addr gateway{};
    for (int i = 0; i < 16; ++i) {
      gateway.s6_addr[i] = static_cast<uint8_t>(std::stoul(w[4].substr(i * 2, 2), nullptr, 16));
    }
    char buffer[INET6_ADDRSTRLEN];
    ::inet_ntop(AF_INET6, &gateway, buffer, sizeof buffer);
    unsigned long metric = std::stoul(w[5], nullptr, 16);
    if (!best || metric < best_metric) {
      best = DefaultRoute{w[9], w[4] == std::string(32, '0') ? "" : buffer};
      best_metric = metric;
    }
  }
  return best;
}

Json ParseCmdline(std::string_view content, bool repeated_as_list) {
  // shlex.split(posix=False): whitespace-separated, quotes kept but
  // protecting the spaces inside them.
  std::vector<std::string> pieces;
  std::string piece;
  char quote = 0;
  for (char c : content) {
    if (quote) {
      piece += c;
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      piece += c;
      quote = c;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (!piece.empty()) pieces.push_back(std::move(piece));
      piece.clear();
    } else {
      piece += c;
    }
  }
  if (quote) return Json::object();  // shlex's "No closing quotation": Ansible gives up
  if (!piece.empty()) pieces.push_back(piece);
  Json out = Json::object();
  for (const auto& p : pieces) {
    size_t eq = p.find('=');
    if (eq == std::string::npos) {
      out[p] = true;
      continue;
    }
    std::string key = p.substr(0, eq), value = p.substr(eq + 1);
    if (repeated_as_list && out.contains(key)) {
      Json& existing = out[key];
      if (!existing.is_array()) existing = Json::array({existing});
      existing.push_back(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

Json ParseResolvConf(std::string_view content) {
  Json dns = Json::object();
  for (const auto& line : Lines(content)) {
    if (line.starts_with('#') || line.starts_with(';')) continue;
    auto tokens = Words(line);
    if (tokens.empty()) continue;
    std::vector<std::string> rest(tokens.begin() + 1, tokens.end());
    if (tokens[0] == "nameserver") {
      for (const auto& server : rest) dns["nameservers"].push_back(server);
    } else if (tokens[0] == "domain" && !rest.empty()) {
      dns["domain"] = rest[0];
    } else if (tokens[0] == "search" || tokens[0] == "sortlist") {
      dns[tokens[0]] = Json(rest);
    } else if (tokens[0] == "options") {
      Json options = Json::object();
      for (const auto& option : rest) {
        size_t colon = option.find(':');
        if (colon == std::string::npos) {
          options[option] = true;
        } else {
          options[option.substr(0, colon)] = option.substr(colon + 1);
        }
      }
      dns["options"] = options;
    }
  }
  return dns;
}

std::optional<Json> ParseFactIni(std::string_view content) {
  // configparser: [section] headers, key = value or key: value options
  // (keys lower-cased), comments with # or ;, continuation lines indented.
  Json out = Json::object();
  std::string section, last_key;
  for (const auto& raw : Lines(content)) {
    std::string_view line = TrimRight(raw);
    std::string_view stripped = Trim(line);
    if (stripped.empty() || stripped.starts_with('#') || stripped.starts_with(';')) continue;
    if (!section.empty() && !last_key.empty() && line.size() != TrimLeft(line).size()) {
      std::string& value = out[section][last_key].get_ref<std::string&>();
      value += "\n" + std::string(stripped);
      continue;
    }
    if (stripped.starts_with('[') && stripped.ends_with(']')) {
      section = std::string(stripped.substr(1, stripped.size() - 2));
      if (!out.contains(section)) out[section] = Json::object();
      last_key.clear();
      continue;
    }
    if (section.empty()) return std::nullopt;  // MissingSectionHeaderError
    size_t at = stripped.find_first_of("=:");
    if (at == std::string_view::npos) return std::nullopt;  // ParsingError
    std::string key(Trim(stripped.substr(0, at)));
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    out[section][key] = std::string(Trim(stripped.substr(at + 1)));
    last_key = key;
  }
  return out;
}

std::string CapabilityText(uint64_t effective, uint64_t permitted, uint64_t inheritable,
                           int cap_last_cap) {
  static const std::vector<std::string> kNames{
      "cap_chown", "cap_dac_override", "cap_dac_read_search", "cap_fowner", "cap_fsetid",
      "cap_kill", "cap_setgid", "cap_setuid", "cap_setpcap", "cap_linux_immutable",
      "cap_net_bind_service", "cap_net_broadcast", "cap_net_admin", "cap_net_raw",
      "cap_ipc_lock", "cap_ipc_owner", "cap_sys_module", "cap_sys_rawio", "cap_sys_chroot",
      "cap_sys_ptrace", "cap_sys_pacct", "cap_sys_admin", "cap_sys_boot", "cap_sys_nice",
      "cap_sys_resource", "cap_sys_time", "cap_sys_tty_config", "cap_mknod", "cap_lease",
      "cap_audit_write", "cap_audit_control", "cap_setfcap", "cap_mac_override",
      "cap_mac_admin", "cap_syslog", "cap_wake_alarm", "cap_block_suspend", "cap_audit_read",
      "cap_perfmon", "cap_bpf", "cap_checkpoint_restore"};
  constexpr int kEff = 1, kInh = 2, kPer = 4;
  int bits = cap_last_cap + 1;
  auto state = [&](int n) {
    return ((effective >> n) & 1 ? kEff : 0) | ((inheritable >> n) & 1 ? kInh : 0) |
           ((permitted >> n) & 1 ? kPer : 0);
  };
  auto flags = [&](int m) {
    return std::string(m & kEff ? "e" : "") + (m & kInh ? "i" : "") + (m & kPer ? "p" : "");
  };
  int histo[8] = {};
  for (int n = 0; n < bits; ++n) ++histo[state(n)];
  // libcap's cap_to_text: the most common state is the "=..." default;
  // each other state lists its capabilities with the difference.
  int m = 7;
  for (int t = 6; t >= 0; --t) {
    if (histo[t] >= histo[m]) m = t;
  }
  std::string text = "=" + flags(m);
  size_t base = 0;
  for (int t = 7; t >= 0; --t) {
    if (t == m || !histo[t]) continue;
    text += ' ';
    for (int n = 0; n < bits; ++n) {
      if (state(n) == t) text += (n < static_cast<int>(kNames.size()) ? kNames[n] : std::to_string(n)) + ",";
    }
    text.pop_back();
    if (int raised = t & ~m) {
      char op = '+';
      if (text.compare(base, 2, "= ") == 0) {
        base += 2;
        op = '=';
      }
      text += op + flags(raised);
    }
    if (int lowered = ~t & m) text += "-" + flags(lowered);
  }
  return text.substr(base);
}

std::string BytesToHuman(double bytes) {
  static const std::vector<std::pair<const char*, double>> kRanges{
      {"Y", 1208925819614629174706176.0}, {"Z", 1180591620717411303424.0},
      {"E", 1152921504606846976.0},       {"P", 1125899906842624.0},
      {"T", 1099511627776.0},             {"G", 1073741824.0},
      {"M", 1048576.0},                   {"K", 1024.0},
      {"B", 1.0}};
  for (const auto& [suffix, limit] : kRanges) {
    if (bytes >= limit || limit == 1.0) {
      return fmt::format("{:.2f} {}", bytes / limit, limit == 1.0 ? "Bytes" : std::string(suffix) + "B");
    }
  }
  return "";
}

}  // namespace tend
