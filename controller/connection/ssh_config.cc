#include "controller/connection/ssh_config.h"

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>

namespace tend {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::optional<HostKeyChecking> ParseStrict(std::string_view value) {
  std::string v = Lower(value);
  if (v == "yes" || v == "ask" || v == "true") return HostKeyChecking::kStrict;
  if (v == "accept-new") return HostKeyChecking::kAcceptNew;
  if (v == "no" || v == "off" || v == "false") return HostKeyChecking::kOff;
  return std::nullopt;
}

std::string ExpandPath(std::string value, const std::string& host, const std::string& home) {
  if (value.rfind("~/", 0) == 0 || value == "~") value = home + value.substr(1);
  std::string out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '%' || i + 1 == value.size()) {
      out += value[i];
      continue;
    }
    char c = value[++i];
    if (c == 'd') {
      out += home;
    } else if (c == 'h') {
      out += host;
    } else if (c == '%') {
      out += '%';
    } else {
      out += '%';
      out += c;
    }
  }
  return out;
}

// A non-negative whole number, as OpenSSH takes ServerAlive* values.
std::optional<int> ParseCount(const std::string& value) {
  if (value.empty() || value.size() > 6 ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoi(value);
}

// Applies one "-o Key=Value" (or config line) to settings, first value wins.
void ApplyOption(const std::string& key, const std::string& value, const std::string& host,
                 const std::string& home, SshSettings& s) {
  if (key == "hostname") {
    if (!s.hostname) s.hostname = ExpandPath(value, host, home);
  } else if (key == "user") {
    if (!s.user) s.user = value;
  } else if (key == "port") {
    if (!s.port) {
      try {
        s.port = std::stoi(value);
      } catch (const std::exception&) {
      }
    }
  } else if (key == "identityfile") {
    s.identity_files.push_back(ExpandPath(value, host, home));
  } else if (key == "proxyjump") {
    if (!s.proxy_jump && Lower(value) != "none") s.proxy_jump = value;
  } else if (key == "userknownhostsfile") {
    // Several files may be listed; tend reads and records the first.
    if (!s.known_hosts) {
      std::string first = value.substr(0, value.find(' '));
      s.known_hosts = ExpandPath(first, host, home);
    }
  } else if (key == "stricthostkeychecking") {
    if (!s.host_key_checking) s.host_key_checking = ParseStrict(value);
  } else if (key == "serveraliveinterval") {
    if (!s.server_alive_interval) s.server_alive_interval = ParseCount(value);
  } else if (key == "serveralivecountmax") {
    if (!s.server_alive_count_max) s.server_alive_count_max = ParseCount(value);
  }
}

// "Key Value", "Key=Value", "Key = Value", value possibly quoted.
std::optional<std::pair<std::string, std::string>> SplitConfigLine(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
  if (i == line.size() || line[i] == '#') return std::nullopt;
  size_t k = i;
  while (k < line.size() && !std::isspace(static_cast<unsigned char>(line[k])) && line[k] != '=') {
    ++k;
  }
  std::string key = Lower(line.substr(i, k - i));
  while (k < line.size() && std::isspace(static_cast<unsigned char>(line[k]))) ++k;
  if (k < line.size() && line[k] == '=') ++k;
  while (k < line.size() && std::isspace(static_cast<unsigned char>(line[k]))) ++k;
  std::string value(line.substr(k));
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.pop_back();
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return std::make_pair(key, value);
}

}  // namespace

Expected<std::vector<SshConfigBlock>> ParseSshConfig(std::string_view text,
                                                     const std::string& file) {
  std::vector<SshConfigBlock> blocks;
  blocks.push_back({{"*"}, {}, 0});  // options before the first Host apply to all
  bool skipping = false;             // inside a Match block
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    auto kv = SplitConfigLine(line);
    if (!kv) continue;
    auto& [key, value] = *kv;
    if (key == "host") {
      auto words = ShellSplit(value);
      if (!words || words->empty()) {
        return Fail("Host needs at least one pattern", Location{file, line_no, 1});
      }
      blocks.push_back({*words, {}, line_no});
      skipping = false;
    } else if (key == "match") {
      skipping = true;
    } else if (!skipping) {
      if (value.empty()) {
        return Fail(fmt::format("'{}' needs a value", key), Location{file, line_no, 1});
      }
      blocks.back().options.emplace_back(key, value);
    }
  }
  return blocks;
}

bool SshHostMatches(const std::vector<std::string>& patterns, const std::string& host) {
  bool matched = false;
  for (const auto& p : patterns) {
    bool negate = !p.empty() && p[0] == '!';
    std::string pattern = Lower(negate ? p.substr(1) : p);
    if (fnmatch(pattern.c_str(), Lower(host).c_str(), 0) == 0) {
      if (negate) return false;
      matched = true;
    }
  }
  return matched;
}

SshSettings ResolveSshConfig(const std::vector<SshConfigBlock>& blocks, const std::string& host,
                             const std::string& home) {
  SshSettings s;
  for (const auto& block : blocks) {
    if (!SshHostMatches(block.patterns, host)) continue;
    for (const auto& [key, value] : block.options) ApplyOption(key, value, host, home, s);
  }
  return s;
}

Expected<std::vector<std::string>> ShellSplit(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\'') {
      size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos) return Fail("unterminated single quote");
      word.append(text.substr(i + 1, close - i - 1));
      i = close;
      in_word = true;
    } else if (c == '"') {
      ++i;
      for (; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size() &&
            std::string_view("\"\\$`").find(text[i + 1]) != std::string_view::npos) {
          ++i;
        }
        word += text[i];
      }
      if (i >= text.size()) return Fail("unterminated double quote");
      in_word = true;
    } else if (c == '\\' && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

std::string SingleQuote(std::string_view word) {
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Expected<SshSettings> ParseSshArgs(std::string_view args) {
  auto words = ShellSplit(args);
  if (!words) return std::unexpected(words.error());
  SshSettings s;
  const char* home_env = std::getenv("HOME");
  std::string home = home_env ? home_env : "";
  auto& w = *words;
  for (size_t i = 0; i < w.size(); ++i) {
    std::string flag = w[i];
    std::string value;
    if (flag.size() > 2 && flag[0] == '-' &&
        std::string_view("oFJpli").find(flag[1]) != std::string_view::npos) {
      value = flag.substr(2);
      flag = flag.substr(0, 2);
    } else if (flag == "-o" || flag == "-F" || flag == "-J" || flag == "-p" || flag == "-l" ||
               flag == "-i") {
      if (i + 1 == w.size()) return Fail(fmt::format("{} needs a value", flag));
      value = w[++i];
    } else {
      continue;  // flags tend does not need (-C, -q, -v...)
    }
    if (flag == "-o") {
      auto kv = SplitConfigLine(value);
      if (!kv || kv->second.empty()) return Fail(fmt::format("-o '{}' needs Key=Value", value));
      if (kv->first == "stricthostkeychecking" && !ParseStrict(kv->second)) {
        return Fail(
            fmt::format("StrictHostKeyChecking '{}' is not yes, accept-new or no", kv->second));
      }
      if ((kv->first == "serveraliveinterval" || kv->first == "serveralivecountmax") &&
          !ParseCount(kv->second)) {
        return Fail(fmt::format("-o {} needs a number of {}, not '{}'", value.substr(0, value.find('=')),
                                kv->first == "serveraliveinterval" ? "seconds" : "probes",
                                kv->second));
      }
      ApplyOption(kv->first, kv->second, "", home, s);
    } else if (flag == "-F") {
      s.config_file = ExpandPath(value, "", home);
    } else if (flag == "-J") {
      ApplyOption("proxyjump", value, "", home, s);
    } else if (flag == "-p") {
      ApplyOption("port", value, "", home, s);
    } else if (flag == "-l") {
      ApplyOption("user", value, "", home, s);
    } else if (flag == "-i") {
      ApplyOption("identityfile", value, "", home, s);
    }
  }
  return s;
}

}  // namespace tend
