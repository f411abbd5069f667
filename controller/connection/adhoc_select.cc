// Host selection and -a parsing for ad-hoc commands. A minimal reader of
// "h1,h2," lists and INI inventories until controller/inventory's
// LoadInventory is linked in.

#include <fnmatch.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "controller/connection/adhoc.h"
#include "controller/connection/ssh_config.h"

namespace tend {
namespace {

struct MiniInventory {
  std::vector<std::string> hosts;
  std::map<std::string, Json> host_vars;
  std::map<std::string, std::vector<std::string>> group_hosts;
  std::map<std::string, std::vector<std::string>> children;
  std::map<std::string, Json> group_vars;
};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

void AddHost(MiniInventory& inv, const std::string& host, const std::string& group) {
  if (!inv.host_vars.contains(host)) {
    inv.hosts.push_back(host);
    inv.host_vars[host] = Json::object();
  }
  if (!group.empty()) inv.group_hosts[group].push_back(host);
}

Expected<void> ReadKeyValues(const std::string& text, Json& into, const Location& where) {
  auto words = ShellSplit(text);
  if (!words) return Fail(words.error().message, where);
  for (const auto& w : *words) {
    auto eq = w.find('=');
    if (eq == std::string::npos) return Fail(fmt::format("expected key=value, got '{}'", w), where);
    into[w.substr(0, eq)] = w.substr(eq + 1);
  }
  return {};
}

Expected<void> ReadIni(const std::string& path, MiniInventory& inv) {
  std::ifstream in(path);
  if (!in) return Fail(fmt::format("cannot read inventory {}", path));
  std::string section = "ungrouped", kind = "hosts", line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = Trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    Location where{path, n, 1};
    if (line[0] == '[') {
      std::string name = line.substr(1, line.find(']') - 1);
      auto colon = name.find(':');
      section = name.substr(0, colon);
      kind = colon == std::string::npos ? "hosts" : name.substr(colon + 1);
      inv.group_hosts[section];
      continue;
    }
    if (kind == "vars") {
      auto r = ReadKeyValues(line, inv.group_vars[section], where);
      if (!r) return r;
    } else if (kind == "children") {
      inv.children[section].push_back(line);
    } else {
      std::string host = line.substr(0, line.find_first_of(" \t"));
      AddHost(inv, host, section);
      auto r = ReadKeyValues(line.substr(host.size()), inv.host_vars[host], where);
      if (!r) return r;
    }
  }
  return {};
}

void CollectGroup(const MiniInventory& inv, const std::string& group, std::set<std::string>& out,
                  int depth = 0) {
  if (depth > 32) return;
  if (auto it = inv.group_hosts.find(group); it != inv.group_hosts.end()) {
    out.insert(it->second.begin(), it->second.end());
  }
  if (auto it = inv.children.find(group); it != inv.children.end()) {
    for (const auto& child : it->second) CollectGroup(inv, child, out, depth + 1);
  }
}

std::set<std::string> MatchOne(const MiniInventory& inv, const std::string& pattern) {
  std::set<std::string> out;
  if (pattern == "all" || pattern == "*") return {inv.hosts.begin(), inv.hosts.end()};
  if (inv.group_hosts.contains(pattern) || inv.children.contains(pattern)) {
    CollectGroup(inv, pattern, out);
    return out;
  }
  for (const auto& h : inv.hosts) {
    if (fnmatch(pattern.c_str(), h.c_str(), 0) == 0) out.insert(h);
  }
  return out;
}

std::set<std::string> MatchPattern(const MiniInventory& inv, const std::string& pattern) {
  std::set<std::string> result;
  std::stringstream parts(pattern);
  std::vector<std::string> terms;
  for (std::string p; std::getline(parts, p, ':');) {
    std::stringstream commas(p);
    for (std::string q; std::getline(commas, q, ',');) {
      if (!q.empty()) terms.push_back(q);
    }
  }
  for (const auto& t : terms) {
    if (t[0] == '!') {
      for (const auto& h : MatchOne(inv, t.substr(1))) result.erase(h);
    } else if (t[0] == '&') {
      auto keep = MatchOne(inv, t.substr(1));
      std::erase_if(result, [&](const std::string& h) { return !keep.contains(h); });
    } else {
      auto add = MatchOne(inv, t);
      result.insert(add.begin(), add.end());
    }
  }
  return result;
}

// Group vars for a host: all first, then its groups in file order; host vars win.
Json VarsFor(const MiniInventory& inv, const std::string& host) {
  Json vars = Json::object();
  auto merge = [&](const Json& v) {
    for (auto it = v.begin(); it != v.end(); ++it) vars[it.key()] = it.value();
  };
  if (auto it = inv.group_vars.find("all"); it != inv.group_vars.end()) merge(it->second);
  for (const auto& [group, gv] : inv.group_vars) {
    if (group == "all") continue;
    std::set<std::string> members;
    CollectGroup(inv, group, members);
    if (members.contains(host)) merge(gv);
  }
  merge(inv.host_vars.at(host));
  return vars;
}

}  // namespace

Expected<std::vector<SelectedHost>> SelectHosts(const std::vector<std::string>& sources,
                                                const std::string& pattern,
                                                const std::string& limit) {
  MiniInventory inv;
  for (const auto& source : sources) {
    if (source.find(',') != std::string::npos) {
      std::stringstream list(source);
      for (std::string h; std::getline(list, h, ',');) {
        if (!Trim(h).empty()) AddHost(inv, Trim(h), "ungrouped");
      }
    } else if (auto r = ReadIni(source, inv); !r) {
      return std::unexpected(r.error());
    }
  }
  auto chosen = MatchPattern(inv, pattern);
  if (!limit.empty()) {
    auto allowed = MatchPattern(inv, limit);
    std::erase_if(chosen, [&](const std::string& h) { return !allowed.contains(h); });
  }
  std::vector<SelectedHost> hosts;
  for (const auto& h : inv.hosts) {
    if (chosen.contains(h)) hosts.push_back({h, VarsFor(inv, h)});
  }
  return hosts;
}

Expected<Json> ParseAdhocArgs(const std::string& module, const std::string& text) {
  std::string trimmed = Trim(text);
  if (!trimmed.empty() && trimmed[0] == '{') {
    Json args = Json::parse(trimmed, nullptr, false);
    if (args.is_discarded() || !args.is_object()) return Fail("-a: invalid JSON object");
    return args;
  }
  static const std::set<std::string> kFreeForm = {"command", "shell", "raw", "script"};
  static const std::set<std::string> kFreeFormKeys = {
      "chdir", "creates", "removes", "executable", "stdin", "stdin_add_newline",
      "strip_empty_ends", "warn", "cmd"};
  bool free_form = kFreeForm.contains(module);
  Json args = Json::object();
  std::string raw;
  std::stringstream in(trimmed);
  auto words = ShellSplit(trimmed);
  if (!words) return Fail("-a: " + words.error().message);
  // Free-form text keeps its quoting: scan the original words, not the split ones.
  size_t pos = 0;
  for (const auto& w : *words) {
    (void)w;
    size_t start = trimmed.find_first_not_of(" \t", pos);
    size_t end = start;
    char quote = 0;
    for (; end < trimmed.size(); ++end) {
      char c = trimmed[end];
      if (quote) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == ' ' || c == '\t') {
        break;
      }
    }
    std::string original = trimmed.substr(start, end - start);
    pos = end;
    auto eq = w.find('=');
    std::string key = eq == std::string::npos ? "" : w.substr(0, eq);
    if (!key.empty() && (!free_form || kFreeFormKeys.contains(key))) {
      args[key] = w.substr(eq + 1);
    } else {
      raw += (raw.empty() ? "" : " ") + original;
    }
  }
  if (!raw.empty()) args["_raw_params"] = raw;
  return args;
}

}  // namespace tend
