#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/strings.h"
#include "core/read_file.h"
#include "core/regex.h"
#include "core/utf8.h"
#include "controller/inventory/inventory_impl.h"
#include "controller/inventory/python_literal.h"
#include "controller/vault/run_program.h"
#include "controller/yaml/yaml.h"

namespace tend {
namespace {

namespace fs = std::filesystem;



Json IniValue(const std::string& raw) {
  if (auto v = PythonLiteral(raw)) return *v;
  return Json(raw);
}

// Hosts of one INI/YAML host entry ("web[1:3]:2222"), with the port as a var.
Expected<std::vector<std::string>> ExpandEntry(const std::string& entry, int* port) {
  auto [pattern, p] = SplitHostPort(entry);
  *port = p;
  return ExpandHostRanges(pattern);
}

bool IsExecutable(const std::string& path) {
  struct stat st{};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111) &&
         access(path.c_str(), X_OK) == 0;
}

// Ansible's INVENTORY_IGNORE_EXTS and IGNORED_ALWAYS, for directory sources.
bool IgnoredInDirectory(const std::string& name) {
  static const char* kExts[] = {".pyc", ".pyo", ".swp", ".bak", "~",    ".rpm", ".md",
                                ".txt", ".rst", ".orig", ".ini", ".cfg", ".retry"};
  if (name.starts_with('.') || name == "host_vars" || name == "group_vars" ||
      name == "vars_plugins")
    return true;
  for (const char* ext : kExts)
    if (name.ends_with(ext)) return true;
  return false;
}

}  // namespace

Expected<void> ParseIniInventory(std::string_view text, const std::string& file,
                                 Inventory::Impl& inv) {
  static const Regex kSection = Regex::Fixed(R"(\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?)");
  static const Regex kGroupName = Regex::Fixed(R"(([^:\]\s]+)\s*(?:#.*)?)");
  struct Pending {
    int line;
    std::string state;
    std::vector<std::string> parents;
  };
  std::map<std::string, Pending> pending;
  std::vector<std::string> pending_order;
  std::string group = "ungrouped";
  std::string state = "hosts";
  int lineno = 0;
  std::stringstream lines{std::string(text)};
  auto error = [&](std::string message) {
    return Fail(std::move(message), Location{file, lineno, 0});
  };
  for (std::string raw; std::getline(lines, raw);) {
    ++lineno;
    // Ansible reads inventories as UTF-8; other bytes could not be written
    // out as JSON (--list, host vars) later (found by fuzz_ini_inventory).
    if (auto bad = FindInvalidUtf8(raw)) {
      return Fail(fmt::format("invalid UTF-8 (byte 0x{:02x}); inventory files must be UTF-8",
                              static_cast<unsigned char>(raw[*bad])),
                  Location{file, lineno, static_cast<int>(*bad) + 1});
    }
    std::string line(Trim(raw, " \t\r\n"));
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    auto section = kSection.FullMatch(line);
    if (section && *section) {
      group = std::string((*section)->GroupOrEmpty(1));
      auto type = (*section)->Group(2);
      state = type ? std::string(*type) : "hosts";
      if (state != "hosts" && state != "children" && state != "vars") {
        return error(fmt::format("section [{}:{}] has unknown type: {}", group, state, state));
      }
      if (!inv.FindGroup(group)) {
        if (state == "vars" && !pending.contains(group)) {
          pending[group] = {lineno, state, {}};
          pending_order.push_back(group);
        }
        inv.EnsureGroup(group);
      }
      if (pending.contains(group) && state != "vars") {
        // The group is now declared: attach it to the parents that named it.
        std::vector<std::string> todo{group};
        while (!todo.empty()) {
          std::string g = todo.back();
          todo.pop_back();
          auto it = pending.find(g);
          if (it == pending.end()) continue;
          if (it->second.state == "children") {
            for (const auto& parent : it->second.parents) {
              if (auto r = inv.AddChild(parent, g, {file, it->second.line, 0}); !r) return r;
              todo.push_back(parent);
            }
          }
          pending.erase(it);
        }
      }
      continue;
    }
    // issue 21: "[nodes" without its bracket became a host named "[nodes".
    bool unclosed = line.find(']') == std::string::npos;
    if (line.front() == '[' && (line.back() == ']' || unclosed)) {
      return error(fmt::format(
          "invalid section entry: '{}'; make sure there are no spaces or other invalid "
          "characters in it",
          line));
    }
    if (state == "hosts") {
      auto tokens = ShlexSplitIni(line);
      if (!tokens) return error(fmt::format("cannot parse host line '{}': {}", line, tokens.error().message));
      if (tokens->empty()) continue;
      int port = 0;
      if ((*tokens)[0].ends_with(':')) {
        return error(fmt::format("invalid host pattern '{}': ending in ':' is not allowed", (*tokens)[0]));
      }
      auto names = ExpandEntry((*tokens)[0], &port);
      if (!names) return error(fmt::format("invalid host pattern '{}': {}", (*tokens)[0], names.error().message));
      Json vars = Json::object();
      for (size_t i = 1; i < tokens->size(); ++i) {
        const std::string& t = (*tokens)[i];
        size_t eq = t.find('=');
        if (eq == std::string::npos) {
          return error(fmt::format("expected key=value host variable assignment, got: {}", t));
        }
        vars[t.substr(0, eq)] = IniValue(t.substr(eq + 1));
      }
      for (const auto& name : *names) {
        if (name == "---") return error("invalid host name '---': this looks like a YAML file");
        inv.AddHostToGroup(name, group);
        auto& host = inv.EnsureHost(name);
        if (port) host.vars["ansible_port"] = port;
        for (const auto& [k, v] : vars.items()) host.vars[k] = v;
      }
    } else if (state == "vars") {
      size_t eq = line.find('=');
      if (eq == std::string::npos) return error(fmt::format("expected key=value, got: {}", line));
      inv.SetGroupVar(group, std::string(Trim(line.substr(0, eq), " \t\r\n")),
                       IniValue(std::string(Trim(line.substr(eq + 1), " \t\r\n"))));
    } else {
      auto gm = kGroupName.FullMatch(line);
      if (!gm || !*gm) return error(fmt::format("expected a group name, got: {}", line));
      std::string child((*gm)->GroupOrEmpty(1));
      if (!inv.FindGroup(child)) {
        auto it = pending.find(child);
        if (it == pending.end()) {
          pending[child] = {lineno, "children", {group}};
          pending_order.push_back(child);
        } else {
          it->second.parents.push_back(group);
        }
      } else if (auto r = inv.AddChild(group, child, {file, lineno, 0}); !r) {
        return r;
      }
    }
  }
  for (const auto& g : pending_order) {
    auto it = pending.find(g);
    if (it == pending.end()) continue;
    Location where{file, it->second.line, 0};
    if (it->second.state == "vars") {
      return Fail(fmt::format("section [{}:vars] is not valid for undefined group: {}", g, g), where);
    }
    return Fail(fmt::format("section [{}:children] includes undefined group: {}",
                            it->second.parents.back(), g),
                where);
  }
  return {};
}

namespace {

class YamlInventoryReader {
 public:
  YamlInventoryReader(const std::string& file, const YamlMarks& marks, Inventory::Impl& inv)
      : file_(file), marks_(marks), inv_(inv) {}

  Expected<void> Group(const std::string& name, const Json& data, const std::string& ptr) {
    if (!data.is_null() && !data.is_object()) {
      inv_.Warn(fmt::format("Skipping '{}' as this is not a valid group definition", name));
      return {};
    }
    inv_.EnsureGroup(name);
    if (data.is_null()) return {};
    for (const auto& [key, raw] : data.items()) {
      Json value = raw.is_string() && key != "vars" ? Json{{raw.get<std::string>(), nullptr}} : raw;
      std::string at = ptr + "/" + key;
      if (key != "vars" && key != "children" && key != "hosts") {
        inv_.Warn(fmt::format("Skipping unexpected key ({}) in group ({}), only \"vars\", "
                              "\"children\" and \"hosts\" are valid",
                              key, name));
        continue;
      }
      if (!value.is_object() && !value.is_null()) {
        return Fail(fmt::format("invalid \"{}\" entry for \"{}\" group, requires a dictionary",
                                key, name),
                    marks_.Find(at));
      }
      if (value.is_null()) continue;
      if (key == "vars") {
        for (const auto& [k, v] : value.items()) inv_.SetGroupVar(name, k, v);
      } else if (key == "children") {
        for (const auto& [child, child_data] : value.items()) {
          if (auto r = Group(child, child_data, at + "/" + child); !r) return r;
          if (auto r = inv_.AddChild(name, child, marks_.Find(at + "/" + child)); !r) return r;
        }
      } else {
        for (const auto& [entry, host_vars] : value.items()) {
          if (auto r = Host(name, entry, host_vars, at + "/" + entry); !r) return r;
        }
      }
    }
    return {};
  }

 private:
  Expected<void> Host(const std::string& group, const std::string& entry, const Json& vars,
                      const std::string& ptr) {
    int port = 0;
    auto names = ExpandEntry(entry, &port);
    if (!names) {
      return Fail(fmt::format("invalid host pattern '{}': {}", entry, names.error().message),
                  marks_.Find(ptr));
    }
    if (!vars.is_null() && !vars.is_object()) {
      return Fail(fmt::format("host '{}' must map to variables (a mapping) or nothing", entry),
                  marks_.Find(ptr));
    }
    for (const auto& name : *names) {
      inv_.AddHostToGroup(name, group);
      auto& host = inv_.EnsureHost(name);
      if (port) host.vars["ansible_port"] = port;
      if (vars.is_object())
        for (const auto& [k, v] : vars.items()) host.vars[k] = v;
    }
    return {};
  }

  const std::string& file_;
  const YamlMarks& marks_;
  Inventory::Impl& inv_;
};

}  // namespace

namespace {

Expected<void> ParseYamlText(const std::string& text, const std::string& file,
                             Inventory::Impl& inv) {
  YamlMarks marks;
  auto doc = ParseYaml(text, file, &marks);
  if (!doc) return std::unexpected(doc.error());
  if (doc->is_null()) return Fail("the YAML inventory is empty", Location{file, 0, 0});
  if (!doc->is_object()) {
    return Fail("YAML inventory has invalid structure, it should be a dictionary",
                Location{file, 1, 0});
  }
  if (doc->contains("plugin")) {
    return Fail(fmt::format("inventory plugins are not supported (plugin: {})",
                            (*doc)["plugin"].dump()),
                marks.Find("/plugin"));
  }
  YamlInventoryReader reader(file, marks, inv);
  for (const auto& [name, data] : doc->items()) {
    if (auto r = reader.Group(name, data, "/" + name); !r) return r;
  }
  return {};
}

// Group/host data from a script's JSON (also used for `_meta`-less --host calls).
Expected<void> ParseScriptJson(const Json& data, const std::string& script,
                               Inventory::Impl& inv, bool* has_meta) {
  if (!data.is_object()) {
    return Fail("the inventory script's --list output must be a JSON object", Location{script, 0, 0});
  }
  *has_meta = data.contains("_meta") && data["_meta"].is_object() &&
              data["_meta"].contains("hostvars");
  for (const auto& [group, gdata] : data.items()) {
    if (group == "_meta") continue;
    inv.EnsureGroup(group);
    Json hosts = gdata.is_array() ? gdata : Json::array();
    if (gdata.is_object()) {
      if (gdata.contains("hosts") && gdata["hosts"].is_array()) hosts = gdata["hosts"];
      if (gdata.contains("vars") && gdata["vars"].is_object())
        for (const auto& [k, v] : gdata["vars"].items()) inv.SetGroupVar(group, k, v);
    }
    for (const auto& h : hosts) {
      if (h.is_string()) inv.AddHostToGroup(h.get<std::string>(), group);
    }
  }
  for (const auto& [group, gdata] : data.items()) {
    if (group == "_meta" || !gdata.is_object() || !gdata.contains("children")) continue;
    for (const auto& c : gdata["children"]) {
      if (!c.is_string()) continue;
      if (auto r = inv.AddChild(group, c.get<std::string>(), Location{script, 0, 0}); !r) return r;
    }
  }
  if (*has_meta) {
    for (const auto& [host, vars] : data["_meta"]["hostvars"].items()) {
      if (!vars.is_object()) continue;
      auto& h = inv.EnsureHost(host);
      for (const auto& [k, v] : vars.items()) h.vars[k] = v;
    }
  }
  return {};
}

Expected<Json> RunScript(const std::string& script, const std::vector<std::string>& args,
                         const Inventory::Impl& inv) {
  std::vector<std::string> argv{fs::absolute(script).string()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto run = RunProgram(argv, inv.options.script_timeout);
  Location where{script, 0, 0};
  if (!run) return Fail(fmt::format("inventory script failed: {}", run.error().message), where);
  std::string command = fmt::format("{} {}", script, fmt::join(args, " "));
  if (run->exit_code != 0) {
    return Fail(fmt::format("inventory script '{}' exited with {}: {}", command, run->exit_code,
                            std::string(Trim(run->err, " \t\r\n"))),
                where);
  }
  try {
    return Json::parse(run->out);
  } catch (const Json::parse_error& e) {
    return Fail(fmt::format("inventory script '{}' printed invalid JSON: {}", command, e.what()),
                where);
  }
}

}  // namespace

Expected<void> ParseScriptInventory(const std::string& script, Inventory::Impl& inv) {
  auto data = RunScript(script, {"--list"}, inv);
  if (!data) return std::unexpected(data.error());
  bool has_meta = false;
  if (auto r = ParseScriptJson(*data, script, inv, &has_meta); !r) return r;
  if (has_meta) return {};
  // Without _meta every host costs one more run; Ansible does the same.
  std::unordered_set<std::string> listed;
  for (const auto& [group, gdata] : data->items()) {
    Json hosts = gdata.is_array() ? gdata : gdata.value("hosts", Json::array());
    for (const auto& h : hosts)
      if (h.is_string()) listed.insert(h.get<std::string>());
  }
  for (const auto& name : inv.host_names) {
    if (!listed.contains(name)) continue;
    auto vars = RunScript(script, {"--host", name}, inv);
    if (!vars) return std::unexpected(vars.error());
    if (!vars->is_object()) continue;
    auto& host = inv.EnsureHost(name);
    for (const auto& [k, v] : vars->items()) host.vars[k] = v;
  }
  return {};
}

namespace {

Expected<void> ParseHostList(const std::string& source, Inventory::Impl& inv) {
  for (const auto& part : SplitHostPattern(source)) {
    auto [name, port] = SplitHostPort(part);
    inv.EnsureHost(name);
    if (port) inv.EnsureHost(name).vars["ansible_port"] = port;
  }
  return {};
}

bool LooksLikeYamlInventory(const std::string& text) {
  auto doc = ParseYaml(text, "");
  if (!doc || !doc->is_object() || doc->empty()) return false;
  for (const auto& [k, v] : doc->items()) {
    if (!v.is_null() && !v.is_object()) return false;
  }
  return true;
}

Expected<void> ParseFileSource(const std::string& path, Inventory::Impl& inv) {
  if (IsExecutable(path)) return ParseScriptInventory(path, inv);
  if (IsTerraformSource(path)) return LoadTerraformSource(path, inv);
  auto text = ReadInputFile(path);
  if (!text) return std::unexpected(text.error());
  std::string ext = fs::path(path).extension().string();
  if (ext == ".yml" || ext == ".yaml" || ext == ".json") return ParseYamlText(*text, path, inv);
  if (ext.empty() && LooksLikeYamlInventory(*text)) return ParseYamlText(*text, path, inv);
  return ParseIniInventory(*text, path, inv);
}

Expected<void> ParseSource(const std::string& path, Inventory::Impl& inv) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    if (IsTerraformSource(path)) return LoadTerraformSource(path, inv);
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      names.push_back(entry.path().filename().string());
    }
    if (ec) return Fail(fmt::format("cannot read inventory directory {}: {}", path, ec.message()));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (IgnoredInDirectory(name)) continue;
      if (auto r = ParseSource((fs::path(path) / name).string(), inv); !r) return r;
    }
    return {};
  }
  return ParseFileSource(path, inv);
}

// Ansible's find_vars_files: NAME, NAME.yml, NAME.yaml, NAME.json — the first
// that exists; a directory is read whole (sorted, recursively).
void CollectDirFiles(const fs::path& dir, std::vector<std::string>& out) {
  std::vector<fs::path> entries;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  for (const auto& p : entries) {
    std::string name = p.filename().string();
    if (name.starts_with('.') || name.ends_with('~')) continue;
    if (fs::is_directory(p, ec)) {
      CollectDirFiles(p, out);
      continue;
    }
    std::string ext = p.extension().string();
    if (ext.empty() || ext == ".yml" || ext == ".yaml" || ext == ".json") out.push_back(p.string());
  }
}

// Every value of a vaulted file is a secret: output must never show it.
void RegisterStrings(const Json& value) {
  if (value.is_string()) SecretRegistry::Global().Add(value.get<std::string>());
  if (value.is_structured())
    for (const auto& item : value) RegisterStrings(item);
}

Expected<Json> LoadVarsFile(const std::string& path, const Inventory::Impl& inv) {
  auto text = ReadInputFile(path);
  if (!text) return Fail(text.error().message, Location{path, 0, 0});
  const VaultSecrets none;
  const VaultSecrets& secrets = inv.options.secrets ? *inv.options.secrets : none;
  bool vaulted = IsVaulted(*text);
  auto plain = DecryptIfVaulted(std::move(*text), secrets, path);
  if (!plain) return std::unexpected(plain.error());
  auto doc = ParseYaml(*plain, path);
  if (!doc) return doc;
  if (vaulted) RegisterStrings(*doc);
  if (doc->is_null()) return Json::object();
  if (!doc->is_object()) {
    return Fail("a vars file must hold a mapping of variable names to values",
                Location{path, 1, 0});
  }
  if (inv.options.decrypt_inline_vault && inv.options.secrets && !inv.options.secrets->empty()) {
    if (auto r = DecryptVaultValues(*doc, *inv.options.secrets, path); !r) {
      return std::unexpected(r.error());
    }
  }
  return doc;
}

// Vars for every entity that has files in `sub` (group_vars or host_vars).
Expected<void> LoadEntityVars(const fs::path& sub, const std::vector<std::string>& names,
                              std::unordered_map<std::string, Json>& into,
                              const Inventory::Impl& inv) {
  std::error_code ec;
  if (!fs::is_directory(sub, ec)) return {};
  std::unordered_set<std::string> present;
  for (const auto& e : fs::directory_iterator(sub, ec)) present.insert(e.path().filename().string());
  for (const auto& name : names) {
    if (into.contains(name)) continue;
    for (const char* ext : {"", ".yml", ".yaml", ".json"}) {
      std::string file = name + ext;
      if (!present.contains(file)) continue;
      std::vector<std::string> files;
      if (fs::is_directory(sub / file, ec)) CollectDirFiles(sub / file, files);
      else files.push_back((sub / file).string());
      Json merged = Json::object();
      for (const auto& f : files) {
        auto vars = LoadVarsFile(f, inv);
        if (!vars) return std::unexpected(vars.error());
        for (const auto& [k, v] : vars->items()) merged[k] = v;
      }
      into[name] = std::move(merged);
      break;
    }
  }
  return {};
}

std::string VarsBaseDir(const std::string& source) {
  std::error_code ec;
  if (fs::is_directory(source, ec)) return source;
  fs::path parent = fs::path(source).parent_path();
  return parent.string();
}

}  // namespace

Expected<void> Inventory::Impl::LoadVarsDir(VarsDir& vars) const {
  std::vector<std::string> group_names;
  for (const auto& g : groups) group_names.push_back(g.name);
  if (auto r = LoadEntityVars(fs::path(vars.dir) / "group_vars", group_names, vars.groups, *this); !r)
    return r;
  std::vector<std::string> names = host_names;
  if (implicit_localhost) names.push_back(implicit_localhost->name);
  for (const char* local : {"localhost", "127.0.0.1", "::1"}) names.emplace_back(local);
  return LoadEntityVars(fs::path(vars.dir) / "host_vars", names, vars.hosts, *this);
}

Expected<Inventory> LoadInventory(const std::vector<std::string>& sources,
                                  const InventoryOptions& options) {
  Inventory inventory;
  Inventory::Impl& inv = inventory.impl();
  inv.options = options;
  std::vector<std::string> dirs;
  for (const auto& source : sources) {
    std::error_code ec;
    if (!fs::exists(source, ec)) {
      if (source.find(',') != std::string::npos) {
        if (auto r = ParseHostList(source, inv); !r) return std::unexpected(r.error());
        continue;
      }
      return Fail(fmt::format("inventory source {} does not exist", source));
    }
    if (auto r = ParseSource(source, inv); !r) return std::unexpected(r.error());
    std::string dir = VarsBaseDir(source);
    if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
  }
  inv.Reconcile();
  for (const auto& dir : dirs) {
    VarsDir vars{dir, {}, {}};
    if (auto r = inv.LoadVarsDir(vars); !r) return std::unexpected(r.error());
    inv.inventory_vars.push_back(std::move(vars));
  }
  return inventory;
}

}  // namespace tend
