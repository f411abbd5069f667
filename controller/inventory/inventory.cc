#include <algorithm>
#include <deque>
#include <fnmatch.h>
#include <fstream>

#include <fmt/format.h>

#include "controller/inventory/inventory_impl.h"
#include "controller/inventory/python_literal.h"
#include "core/regex.h"
#include "core/python_format.h"

namespace tend {
namespace {

constexpr const char* kLocalhostNames[] = {"localhost", "127.0.0.1", "::1"};

bool IsLocalhostName(std::string_view name) {
  for (const char* n : kLocalhostNames)
    if (name == n) return true;
  return false;
}

// Python dict.update semantics: top-level keys replace (hash_behaviour=replace).
void Combine(Json& into, const Json& from) {
  if (!from.is_object()) return;
  for (const auto& [k, v] : from.items()) into[k] = v;
}

bool HasGlobOrRegex(std::string_view p) {
  return p.starts_with('~') || p.find_first_of(".?*[") != std::string_view::npos;
}

}  // namespace

Inventory::Impl::Impl() {
  EnsureGroup("all");
  EnsureGroup("ungrouped");
  groups[group_at["all"]].children.push_back("ungrouped");
  groups[group_at["ungrouped"]].parents.push_back("all");
}

Inventory::Group& Inventory::Impl::EnsureGroup(const std::string& name) {
  auto it = group_at.find(name);
  if (it != group_at.end()) return groups[it->second];
  group_at.emplace(name, groups.size());
  groups.push_back(Group{name, Json::object(), {}, {}, {}, 1, 0});
  return groups.back();
}

Inventory::Host& Inventory::Impl::EnsureHost(const std::string& name) {
  auto it = host_at.find(name);
  if (it != host_at.end()) return hosts[it->second];
  host_at.emplace(name, hosts.size());
  host_names.push_back(name);
  hosts.push_back(Host{name, Json::object(), {}, false});
  return hosts.back();
}

Inventory::Group* Inventory::Impl::FindGroup(std::string_view name) {
  auto it = group_at.find(std::string(name));
  return it == group_at.end() ? nullptr : &groups[it->second];
}

const Inventory::Group* Inventory::Impl::FindGroup(std::string_view name) const {
  auto it = group_at.find(std::string(name));
  return it == group_at.end() ? nullptr : &groups[it->second];
}

const Inventory::Host* Inventory::Impl::FindHost(std::string_view name) const {
  auto it = host_at.find(std::string(name));
  if (it != host_at.end()) return &hosts[it->second];
  if (implicit_localhost && implicit_localhost->name == name) return implicit_localhost.get();
  return nullptr;
}

void Inventory::Impl::AddHostToGroup(const std::string& host_name, const std::string& group_name) {
  EnsureHost(host_name);
  Group& group = EnsureGroup(group_name);
  if (std::find(group.hosts.begin(), group.hosts.end(), host_name) != group.hosts.end()) return;
  group.hosts.push_back(host_name);
  // Membership of `all` is implicit; a host listed only there still lands in
  // `ungrouped` at reconcile, as in Ansible.
  if (group_name != "all") hosts[host_at[host_name]].groups.push_back(group_name);
}

Expected<void> Inventory::Impl::AddChild(const std::string& parent, const std::string& child,
                                         const Location& where) {
  if (parent == child) {
    return Fail(fmt::format("group '{}' cannot be a child of itself", child), where);
  }
  // Every group without a parent becomes a child of `all` at reconcile, so a
  // group above `all` always closes a loop; Ansible refuses it there, in
  // these words. (Left in, the depth pass never ended: found by fuzz_ini_inventory.)
  if (child == "all") {
    return Fail(fmt::format("Adding group '{}' as child to 'all' creates a recursive dependency loop.",
                            parent),
                where);
  }
  EnsureGroup(parent);
  EnsureGroup(child);
  // A cycle appears iff `parent` is already a descendant of `child`.
  std::vector<std::string> stack{child};
  std::unordered_set<std::string> seen;
  while (!stack.empty()) {
    std::string name = stack.back();
    stack.pop_back();
    if (name == parent) {
      return Fail(fmt::format("adding group '{}' as a child of '{}' makes '{}' its own ancestor",
                              child, parent, parent),
                  where);
    }
    if (!seen.insert(name).second) continue;
    for (const auto& c : groups[group_at[name]].children) stack.push_back(c);
  }
  Group& p = groups[group_at[parent]];
  if (std::find(p.children.begin(), p.children.end(), child) == p.children.end()) {
    p.children.push_back(child);
    groups[group_at[child]].parents.push_back(parent);
  }
  return {};
}

void Inventory::Impl::SetGroupVar(const std::string& group, const std::string& key, Json value) {
  Group& g = EnsureGroup(group);
  if (key == "ansible_group_priority") {
    if (value.is_number_integer()) g.priority = value.get<int>();
    else if (value.is_string()) g.priority = std::atoi(value.get<std::string>().c_str());
    return;
  }
  g.vars[key] = std::move(value);
}

void Inventory::Impl::Reconcile() {
  for (size_t i = 0; i < groups.size(); ++i) {
    Group& g = groups[i];
    if (g.name != "all" && g.parents.empty()) {
      groups[group_at["all"]].children.push_back(g.name);
      g.parents.push_back("all");
    }
  }
  Group& ungrouped = groups[group_at["ungrouped"]];
  for (Host& host : hosts) {
    bool only_ungrouped = host.groups.size() == 1 && host.groups[0] == "ungrouped";
    if (host.groups.empty()) {
      ungrouped.hosts.push_back(host.name);
      host.groups.push_back("ungrouped");
    } else if (!only_ungrouped &&
               std::find(host.groups.begin(), host.groups.end(), "ungrouped") != host.groups.end()) {
      std::erase(host.groups, "ungrouped");
      std::erase(ungrouped.hosts, host.name);
    }
  }
  // Depth: the longest path from `all`, in topological passes.
  for (Group& g : groups) g.depth = 0;
  for (bool changed = true; changed;) {
    changed = false;
    for (Group& g : groups) {
      for (const auto& c : g.children) {
        Group& child = groups[group_at[c]];
        if (child.depth < g.depth + 1) {
          child.depth = g.depth + 1;
          changed = true;
        }
      }
    }
  }
}

void Inventory::Impl::Warn(const std::string& text) const {
  if (options.warn) options.warn(text);
  else fmt::print(stderr, "[WARNING]: {}\n", text);
}

std::vector<const Inventory::Group*> Inventory::Impl::SortedGroups(const Host& host) const {
  std::vector<const Group*> out;
  std::unordered_set<std::string> seen;
  std::vector<std::string> stack(host.groups.begin(), host.groups.end());
  while (!stack.empty()) {
    std::string name = std::move(stack.back());
    stack.pop_back();
    if (name == "all" || !seen.insert(name).second) continue;
    const Group* g = FindGroup(name);
    if (!g) continue;
    out.push_back(g);
    for (const auto& p : g->parents) stack.push_back(p);
  }
  std::sort(out.begin(), out.end(), [](const Group* a, const Group* b) {
    return std::tie(a->depth, a->priority, a->name) < std::tie(b->depth, b->priority, b->name);
  });
  return out;
}

std::vector<std::string> Inventory::Impl::GroupHosts(const Group& group) const {
  std::vector<std::string> out;
  std::unordered_set<std::string> seen_hosts, seen_groups{group.name};
  std::deque<const Group*> queue{&group};
  while (!queue.empty()) {
    const Group* g = queue.front();
    queue.pop_front();
    for (const auto& h : g->hosts)
      if (seen_hosts.insert(h).second) out.push_back(h);
    for (const auto& c : g->children)
      if (seen_groups.insert(c).second) queue.push_back(FindGroup(c));
  }
  return out;
}

std::vector<std::string> SplitHostPattern(std::string_view pattern) {
  std::vector<std::string> parts;
  auto push = [&](std::string_view p) {
    while (!p.empty() && std::isspace(static_cast<unsigned char>(p.front()))) p.remove_prefix(1);
    while (!p.empty() && std::isspace(static_cast<unsigned char>(p.back()))) p.remove_suffix(1);
    if (!p.empty()) parts.emplace_back(p);
  };
  if (pattern.find(',') != std::string_view::npos) {
    for (size_t at = 0;;) {
      size_t comma = pattern.find(',', at);
      push(pattern.substr(at, comma - at));
      if (comma == std::string_view::npos) break;
      at = comma + 1;
    }
    return parts;
  }
  static const Regex kSingleHost = Regex::Fixed(R"(^[^:\[\]\s]+:\d+$|^[0-9a-fA-F]*:[0-9a-fA-F:.]*:[0-9a-fA-F.]*$)");
  std::string whole(pattern);
  if (kSingleHost.Matches(whole)) {
    push(whole);
    return parts;
  }
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '[') ++depth;
    else if (pattern[i] == ']') depth = std::max(0, depth - 1);
    else if (pattern[i] == ':' && depth == 0) {
      push(pattern.substr(start, i - start));
      start = i + 1;
    }
  }
  push(pattern.substr(start));
  return parts;
}

Expected<std::vector<std::string>> Inventory::Impl::MatchOne(std::string_view pattern) const {
  std::string expr(pattern);
  // A trailing [n], [a:b], [a:], [:b] selects from the matches.
  static const Regex kSubscript = Regex::Fixed(R"((.+)\[(?:(-?\d+)|(-?\d*):(-?\d*))\])");
  std::optional<std::pair<std::string, std::string>> slice;
  std::optional<std::string> index;
  auto subscript = expr.starts_with('~') ? std::optional<RegexMatch>() : kSubscript.FullMatch(expr).value_or(std::nullopt);
  if (subscript) {
    auto group = [&](size_t i) { return std::string(subscript->GroupOrEmpty(i)); };
    if (subscript->Group(2)) index = group(2);
    else slice = std::pair{group(3), group(4)};
    expr = group(1);
  }
  std::optional<Regex> re;
  if (expr.starts_with('~')) {
    auto compiled = Regex::Compile(expr.substr(1));
    if (!compiled) {
      return Fail(fmt::format("invalid host pattern '{}': {}", expr, compiled.error().message));
    }
    re = std::move(*compiled);
  }
  auto matches = [&](const std::string& name) {
    if (re) {
      auto m = re->MatchAt(name);
      return m && m->has_value();
    }
    return fnmatch(expr.c_str(), name.c_str(), 0) == 0;
  };
  std::vector<std::string> result;
  std::unordered_set<std::string> seen;
  bool matched_group = false;
  for (const Group& g : groups) {
    if (!matches(g.name)) continue;
    matched_group = true;
    for (auto& h : GroupHosts(g))
      if (seen.insert(h).second) result.push_back(std::move(h));
  }
  if (!matched_group || HasGlobOrRegex(expr)) {
    for (const auto& h : host_names)
      if (matches(h) && seen.insert(h).second) result.push_back(h);
  }
  if (result.empty() && IsLocalhostName(expr)) {
    std::lock_guard lock(implicit_mutex);  // Match() may run on executor threads
    if (!implicit_localhost) {
      implicit_localhost = std::make_unique<Host>();
      implicit_localhost->name = expr;
      implicit_localhost->implicit = true;
      implicit_localhost->vars = Json{{"ansible_connection", "local"}};
    }
    if (implicit_localhost->name == expr) result.push_back(expr);
  }
  if (result.empty() && !matched_group && expr != "all") {
    Warn(fmt::format("Could not match supplied host pattern, ignoring: {}", expr));
  }
  // An index past long's range selects nothing, like any index out of range.
  auto to_int = [n = static_cast<long>(result.size())](const std::string& s, long def) {
    if (s.empty()) return def;
    try {
      return std::stol(s);
    } catch (const std::exception&) {
      return s.starts_with('-') ? -2 * n - 1 : 2 * n + 1;
    }
  };
  long n = static_cast<long>(result.size());
  if (index) {
    long i = to_int(*index, 0);
    if (i < 0) i += n;
    if (i < 0 || i >= n) return std::vector<std::string>{};
    return std::vector<std::string>{result[static_cast<size_t>(i)]};
  }
  if (slice) {
    long a = to_int(slice->first, 0), b = to_int(slice->second, n - 1);
    if (a < 0) a += n;
    if (b < 0) b += n;
    a = std::clamp(a, 0L, n);
    b = std::clamp(b + 1, 0L, n);  // Ansible's end is inclusive
    if (a >= b) return std::vector<std::string>{};
    return std::vector<std::string>(result.begin() + a, result.begin() + b);
  }
  return result;
}

Expected<std::vector<std::string>> Inventory::Impl::Evaluate(
    const std::vector<std::string>& patterns) const {
  std::vector<std::string> regular, intersect, exclude;
  for (const auto& p : patterns) {
    if (p.starts_with('!')) exclude.push_back(p.substr(1));
    else if (p.starts_with('&')) intersect.push_back(p.substr(1));
    else regular.push_back(p);
  }
  if (regular.empty() && !(intersect.empty() && exclude.empty())) regular.push_back("all");
  std::vector<std::string> hosts;
  std::unordered_set<std::string> in;
  for (const auto& p : regular) {
    auto found = MatchOne(p);
    if (!found) return found;
    for (auto& h : *found)
      if (in.insert(h).second) hosts.push_back(std::move(h));
  }
  for (const auto& p : intersect) {
    auto found = MatchOne(p);
    if (!found) return found;
    std::unordered_set<std::string> keep(found->begin(), found->end());
    std::erase_if(hosts, [&](const std::string& h) { return !keep.contains(h); });
  }
  for (const auto& p : exclude) {
    auto found = MatchOne(p);
    if (!found) return found;
    std::unordered_set<std::string> drop(found->begin(), found->end());
    std::erase_if(hosts, [&](const std::string& h) { return drop.contains(h); });
  }
  return hosts;
}

Inventory::Inventory() : impl_(std::make_unique<Impl>()) {}
Inventory::Inventory(Inventory&&) noexcept = default;
Inventory& Inventory::operator=(Inventory&&) noexcept = default;
Inventory::~Inventory() = default;

const std::vector<std::string>& Inventory::HostNames() const { return impl_->host_names; }

std::vector<std::string> Inventory::GroupNamesAll() const {
  std::vector<std::string> out;
  for (const auto& g : impl_->groups) out.push_back(g.name);
  return out;
}

bool Inventory::HasHost(std::string_view name) const { return impl_->host_at.contains(std::string(name)); }
bool Inventory::HasGroup(std::string_view name) const { return impl_->group_at.contains(std::string(name)); }
const Inventory::Host* Inventory::FindHost(std::string_view name) const { return impl_->FindHost(name); }
const Inventory::Group* Inventory::FindGroup(std::string_view name) const { return impl_->FindGroup(name); }

Expected<std::vector<std::string>> Inventory::Match(std::string_view pattern) const {
  auto hosts = impl_->Evaluate(SplitHostPattern(pattern));
  if (!hosts || impl_->limit.empty()) return hosts;
  auto allowed = impl_->Evaluate(impl_->limit);
  if (!allowed) return allowed;
  std::unordered_set<std::string> keep(allowed->begin(), allowed->end());
  std::erase_if(*hosts, [&](const std::string& h) { return !keep.contains(h); });
  return hosts;
}

Expected<void> Inventory::Limit(std::string_view limit) {
  std::vector<std::string> patterns;
  for (const auto& p : SplitHostPattern(limit)) {
    if (!p.starts_with('@')) {
      patterns.push_back(p);
      continue;
    }
    std::ifstream in(p.substr(1));
    if (!in) return Fail(fmt::format("cannot read limit file {}: {}", p.substr(1), std::strerror(errno)));
    for (std::string line; std::getline(in, line);) {
      line.erase(0, line.find_first_not_of(" \t\r"));
      line.erase(line.find_last_not_of(" \t\r") + 1);
      if (!line.empty()) patterns.push_back(line);
    }
  }
  impl_->limit = std::move(patterns);
  return {};
}

Json Inventory::HostVars(std::string_view name) const {
  const Host* host = impl_->FindHost(name);
  Json vars = Json::object();
  if (!host) return vars;
  const Impl& in = *impl_;
  const Group& all = *in.FindGroup("all");
  auto dir_group = [&](const std::vector<VarsDir>& dirs, const std::string& g) {
    for (const auto& d : dirs)
      if (auto it = d.groups.find(g); it != d.groups.end()) Combine(vars, it->second);
  };
  Combine(vars, all.vars);
  dir_group(in.inventory_vars, "all");
  dir_group(in.playbook_vars, "all");
  auto sorted = host->implicit ? std::vector<const Group*>{} : in.SortedGroups(*host);
  for (const Group* g : sorted) Combine(vars, g->vars);
  for (const Group* g : sorted) dir_group(in.inventory_vars, g->name);
  for (const Group* g : sorted) dir_group(in.playbook_vars, g->name);
  Combine(vars, host->vars);
  for (const auto* dirs : {&in.inventory_vars, &in.playbook_vars}) {
    for (const auto& d : *dirs)
      if (auto it = d.hosts.find(host->name); it != d.hosts.end()) Combine(vars, it->second);
  }
  return vars;
}

Expected<void> Inventory::AddPlaybookVarsDir(const std::string& dir) {
  VarsDir vars{dir, {}, {}};
  if (auto r = impl_->LoadVarsDir(vars); !r) return r;
  impl_->playbook_vars.push_back(std::move(vars));
  return {};
}

std::vector<std::string> Inventory::GroupNames(std::string_view name) const {
  const Host* host = impl_->FindHost(name);
  std::vector<std::string> out;
  if (!host || host->implicit) return out;
  for (const Group* g : impl_->SortedGroups(*host)) out.push_back(g->name);
  std::sort(out.begin(), out.end());
  return out;
}

Json Inventory::GroupsJson() const {
  Json out = Json::object();
  for (const auto& g : impl_->groups) out[g.name] = impl_->GroupHosts(g);
  return out;
}

void Inventory::AddHost(const std::string& name, const std::vector<std::string>& groups,
                        const Json& vars) {
  bool is_new = !impl_->host_at.contains(name);
  Host& host = impl_->EnsureHost(name);
  Combine(host.vars, vars);
  for (const auto& g : groups) {
    bool new_group = !impl_->group_at.contains(g);
    impl_->AddHostToGroup(name, g);
    if (new_group) {
      for (auto& d : impl_->inventory_vars) (void)impl_->LoadVarsDir(d);
      for (auto& d : impl_->playbook_vars) (void)impl_->LoadVarsDir(d);
    }
  }
  if (is_new) {
    for (auto& d : impl_->inventory_vars) (void)impl_->LoadVarsDir(d);
    for (auto& d : impl_->playbook_vars) (void)impl_->LoadVarsDir(d);
  }
  impl_->Reconcile();
}

Expected<void> Inventory::AddGroup(const std::string& name, const std::string& parent) {
  if (impl_->group_at.contains(name)) return {};
  impl_->EnsureGroup(name);
  if (parent != "all") {
    if (auto r = impl_->AddChild(parent, name, {}); !r) return r;
  }
  for (auto& d : impl_->inventory_vars) (void)impl_->LoadVarsDir(d);
  for (auto& d : impl_->playbook_vars) (void)impl_->LoadVarsDir(d);
  impl_->Reconcile();
  return {};
}

Json Inventory::ListJson() const {
  Json out = Json::object();
  std::unordered_set<std::string> seen;
  std::function<void(const Group&)> format = [&](const Group& g) {
    Json entry = Json::object();
    if (g.name != "all" && !g.hosts.empty()) entry["hosts"] = g.hosts;
    if (!g.children.empty()) entry["children"] = g.children;
    if (!entry.empty()) out[g.name] = entry;
    for (const auto& c : g.children) {
      if (seen.insert(c).second) format(*impl_->FindGroup(c));
    }
  };
  format(*impl_->FindGroup("all"));
  Json hostvars = Json::object();
  // ordered_json looks keys up linearly; names are unique, so append directly
  // (10,000 hosts would otherwise cost 50 million string compares).
  auto& slots = hostvars.get_ref<Json::object_t&>();
  auto hosts = Match("all");
  for (const auto& h : hosts ? *hosts : HostNames()) {
    Json vars = HostVars(h);
    if (!vars.empty()) slots.emplace_back(h, std::move(vars));
  }
  out["_meta"] = Json{{"hostvars", std::move(hostvars)}};
  return out;
}

Expected<std::string> Inventory::Graph(std::string_view group, bool with_vars) const {
  const Group* start = impl_->FindGroup(group);
  if (!start) return Fail("Pattern must be valid group name when using --graph");
  std::vector<std::string> lines;
  auto name = [](const std::string& text, int depth) {
    std::string prefix;
    for (int i = 0; i < depth; ++i) prefix += "  |";
    return depth ? prefix + "--" + text : text;
  };
  auto show_vars = [&](const Json& vars, int depth) {
    std::map<std::string, Json> sorted;
    for (auto it = vars.begin(); it != vars.end(); ++it) sorted[it.key()] = it.value();
    for (const auto& [k, v] : sorted) lines.push_back(name("{" + k + " = " + PythonStr(v) + "}", depth));
  };
  std::function<void(const Group&, int)> walk = [&](const Group& g, int depth) {
    lines.push_back(name("@" + g.name + ":", depth));
    for (const auto& c : g.children) walk(*impl_->FindGroup(c), depth + 1);
    if (g.name != "all") {
      for (const auto& h : g.hosts) {
        lines.push_back(name(h, depth + 1));
        if (with_vars) show_vars(HostVars(h), depth + 2);
      }
    }
    if (with_vars) {
      Json vars = g.vars;
      for (const auto* dirs : {&impl_->inventory_vars, &impl_->playbook_vars})
        for (const auto& d : *dirs)
          if (auto it = d.groups.find(g.name); it != d.groups.end()) Combine(vars, it->second);
      show_vars(vars, depth + 1);
    }
  };
  walk(*start, 0);
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  return text;
}

}  // namespace tend
