#include "modules/parsers/system_parse.h"
#include "core/strings.h"

#include <algorithm>
#include <array>
#include <set>

namespace tend {
namespace {



std::string_view StripNewline(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  return line;
}

// Python's str.splitlines(keepends) for the line endings files use.
std::vector<std::string> SplitLinesKeep(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    if (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n') ++end;
    lines.emplace_back(text.substr(start, end + 1 - start));
    start = end + 1;
  }
  return lines;
}

std::vector<std::string> SplitWhitespace(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      if (!word.empty()) words.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(std::move(word));
  return words;
}

// The key types Ansible's authorized_key recognises (ansible.posix 1.5).
constexpr std::array<std::string_view, 23> kKeyTypes{
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "ssh-dss",
    "ssh-rsa",
    "ssh-xmss@openssh.com",
    "ssh-xmss-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-512",
    "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "ssh-dss-cert-v01@openssh.com",
};

std::string Unescape(std::string_view raw) {
  std::string out(raw);
  for (size_t at = out.find("\\#"); at != std::string::npos; at = out.find("\\#", at)) {
    out.erase(at, 1);
    ++at;
  }
  return out;
}

// Entries are identified by the key blob; non-key lines by their text.
const std::string& Identity(const AuthorizedKey& k) { return k.IsKey() ? k.key : k.raw; }

std::vector<AuthorizedKey>::iterator FindIdentity(std::vector<AuthorizedKey>& keys,
                                                  const std::string& id) {
  return std::find_if(keys.begin(), keys.end(),
                      [&](const AuthorizedKey& k) { return Identity(k) == id; });
}

}  // namespace

Json ParseSystemctlShow(std::string_view output) {
  Json parsed = Json::object();
  std::string pending_key;
  std::string pending_value;
  for (const std::string& with_end : SplitLinesKeep(output)) {
    std::string_view line = StripNewline(with_end);
    if (!pending_key.empty()) {
      pending_value += "\n" + std::string(line);
      if (TrimRight(line).ends_with('}')) {
        parsed[pending_key] = std::string(Trim(pending_value));
        pending_key.clear();
      }
      continue;
    }
    size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string key(line.substr(0, eq));
    std::string_view value = line.substr(eq + 1);
    // Exec* properties print as "{ path=... ; argv[]=... }", possibly over lines.
    if (key.starts_with("Exec") && Trim(value).starts_with('{') &&
        !TrimRight(value).ends_with('}')) {
      pending_key = key;
      pending_value = std::string(value);
      continue;
    }
    parsed[key] = std::string(Trim(value));
  }
  return parsed;
}

std::optional<std::string> ServiceAction(std::string_view desired, std::string_view active_state) {
  bool running = active_state == "active" || active_state == "activating";
  if (desired == "started") return running ? std::nullopt : std::optional<std::string>("start");
  if (desired == "stopped") {
    bool stopping = active_state == "deactivating";
    return running || stopping ? std::optional<std::string>("stop") : std::nullopt;
  }
  if (!running) return "start";
  return std::string(desired.substr(0, desired.size() - 2));  // restarted -> restart
}

bool IsEnabledOutput(int rc, std::string_view output) {
  if (rc != 0) return false;
  std::string_view word = Trim(output);
  return word != "indirect" && word != "alias";
}

std::vector<std::pair<std::string, std::optional<std::string>>> ParseKeyOptions(
    std::string_view text) {
  std::vector<std::pair<std::string, std::optional<std::string>>> options;
  auto add = [&](std::string part) {
    if (part.empty()) return;
    size_t eq = part.find('=');
    if (eq == std::string::npos) {
      options.emplace_back(std::move(part), std::nullopt);
    } else {
      options.emplace_back(part.substr(0, eq), part.substr(eq + 1));
    }
  };
  std::string part;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == ',') {
      add(std::move(part));
      part.clear();
      continue;
    }
    part += c;
  }
  add(std::move(part));
  return options;
}

std::optional<AuthorizedKey> ParseAuthorizedKey(std::string_view line, size_t rank) {
  std::string raw = Unescape(line);
  std::vector<std::string> parts = SplitWhitespace(raw);
  AuthorizedKey key;
  key.rank = rank;
  if (!parts.empty() && parts[0] == "#") {
    key.raw = raw;
    return key;
  }
  auto type = std::find_if(parts.begin(), parts.end(), [](const std::string& p) {
    return std::find(kKeyTypes.begin(), kKeyTypes.end(), p) != kKeyTypes.end();
  });
  if (type == parts.end() || type + 1 == parts.end()) return std::nullopt;
  std::string options;
  for (auto it = parts.begin(); it != type; ++it) options += (options.empty() ? "" : " ") + *it;
  key.options = ParseKeyOptions(options);
  key.type = *type;
  key.key = *(type + 1);
  for (auto it = type + 2; it < parts.end(); ++it) {
    key.comment += (it == type + 2 ? "" : " ") + *it;
  }
  return key;
}

std::vector<AuthorizedKey> ParseAuthorizedKeys(std::string_view content) {
  std::vector<AuthorizedKey> keys;
  std::vector<std::string> lines = SplitLinesKeep(content);
  for (size_t rank = 0; rank < lines.size(); ++rank) {
    std::optional<AuthorizedKey> parsed = ParseAuthorizedKey(lines[rank], rank);
    if (!parsed) parsed = AuthorizedKey{.key = {}, .type = {}, .raw = lines[rank], .rank = rank};
    // A repeated identity keeps its first position and the later line's data.
    auto same = FindIdentity(keys, Identity(*parsed));
    if (same != keys.end()) {
      *same = std::move(*parsed);
    } else {
      keys.push_back(std::move(*parsed));
    }
  }
  return keys;
}

std::string SerializeAuthorizedKeys(std::vector<AuthorizedKey> keys) {
  std::stable_sort(keys.begin(), keys.end(),
                   [](const AuthorizedKey& a, const AuthorizedKey& b) { return a.rank < b.rank; });
  std::string out;
  for (const AuthorizedKey& k : keys) {
    if (!k.IsKey()) {
      out += k.raw;
      continue;
    }
    std::string options;
    for (const auto& [name, value] : k.options) {
      options += (options.empty() ? "" : ",") + name + (value ? "=" + *value : "");
    }
    if (!options.empty()) options += " ";
    // Ansible always writes the comment field, so a key without one ends in a space.
    out += options + k.type + " " + k.key + " " + k.comment + "\n";
  }
  return out;
}

std::optional<KeyMerge> MergeAuthorizedKeys(std::string_view existing, const KeyRequest& request,
                                            std::string* invalid_line) {
  std::vector<AuthorizedKey> keys = ParseAuthorizedKeys(existing);
  const size_t max_rank = keys.size();
  std::set<std::string> keys_to_exist;
  bool write = false;
  size_t index = 0;
  for (const std::string& with_end : SplitLinesKeep(request.keys_text)) {
    std::string line(StripNewline(with_end));
    if (line.empty() || line.starts_with('#')) continue;
    std::optional<AuthorizedKey> wanted = ParseAuthorizedKey(line, index);
    if (!wanted || !wanted->IsKey()) {
      if (invalid_line) *invalid_line = line;
      return std::nullopt;
    }
    if (request.key_options) wanted->options = ParseKeyOptions(*request.key_options);
    if (request.comment) wanted->comment = *request.comment;
    bool matched = false;
    auto found = FindIdentity(keys, wanted->key);
    if (found != keys.end()) {
      if (request.present && !found->SameAs(*wanted)) {
        keys.erase(found);
        write = true;
      } else {
        matched = true;
      }
    }
    if (request.present) {
      keys_to_exist.insert(wanted->key);
      if (!matched) {
        wanted->rank = max_rank + index;
        keys.push_back(std::move(*wanted));
        write = true;
      }
    } else if (matched) {
      keys.erase(FindIdentity(keys, wanted->key));
      write = true;
    }
    ++index;
  }
  if (request.present && request.exclusive) {
    size_t before = keys.size();
    std::erase_if(keys, [&](const AuthorizedKey& k) { return !keys_to_exist.contains(Identity(k)); });
    write = write || keys.size() != before;
  }
  if (!write) return KeyMerge{.content = std::string(existing), .changed = false};
  return KeyMerge{.content = SerializeAuthorizedKeys(std::move(keys)), .changed = true};
}

std::optional<std::string> ZoneFromLink(std::string_view target) {
  for (std::string_view root : {"/usr/share/zoneinfo/", "/etc/zoneinfo/"}) {
    size_t at = target.find(root);
    if (at != std::string_view::npos) return std::string(target.substr(at + root.size()));
  }
  return std::nullopt;
}

std::string HwclockFromAdjtime(std::string_view content) {
  std::vector<std::string> lines = SplitLinesKeep(content);
  if (lines.size() < 3) return "UTC";
  return Trim(lines[2]) == "LOCAL" ? "local" : "UTC";
}

std::string AdjtimeWith(std::string_view content, std::string_view hwclock) {
  std::vector<std::string> lines = SplitLinesKeep(content);
  if (lines.size() < 1) lines.push_back("0.0 0 0.0\n");
  if (lines.size() < 2) lines.push_back("0\n");
  for (auto& l : lines) {
    if (!l.ends_with('\n')) l += "\n";
  }
  std::string mode = hwclock == "local" ? "LOCAL\n" : "UTC\n";
  if (lines.size() < 3) {
    lines.push_back(mode);
  } else {
    lines[2] = mode;
  }
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

}  // namespace tend
