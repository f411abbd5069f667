#include "controller/pymodule/module_locator.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>

#include "controller/yaml/yaml.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

std::string ExpandHome(const std::string& path, const std::string& home) {
  if (path == "~" || path.starts_with("~/")) return home + path.substr(1);
  return path;
}

// A runtime.yml parsed once per tree and path: `tend doc --list` routes
// thousands of names through ansible-core's.
const Json& RuntimeYaml(const CodeTree& tree, const std::string& path) {
  static std::mutex mutex;
  static std::map<std::pair<const CodeTree*, std::string>, Json> parsed;
  std::lock_guard lock(mutex);
  auto key = std::make_pair(&tree, path);
  auto it = parsed.find(key);
  if (it != parsed.end()) return it->second;
  Json doc;
  if (auto text = tree.Read(path)) {
    if (auto yaml = ParseYaml(*text, path); yaml && yaml->is_object()) doc = std::move(*yaml);
  }
  return parsed.emplace(key, std::move(doc)).first->second;
}

// Redirect of `module` in a runtime.yml (plugin_routing.modules.NAME.redirect).
std::string RoutedName(const CodeTree& tree, const std::string& runtime_yml, std::string_view module) {
  const Json& doc = RuntimeYaml(tree, runtime_yml);
  if (!doc.is_object()) return {};
  const Json* routing = &doc;
  for (const char* key : {"plugin_routing", "modules"}) {
    if (!routing->contains(key) || !(*routing)[key].is_object()) return {};
    routing = &(*routing)[key];
  }
  std::string name(module);
  if (!routing->contains(name) || !(*routing)[name].is_object()) return {};
  const Json& entry = (*routing)[name];
  return entry.contains("redirect") && entry["redirect"].is_string()
             ? entry["redirect"].get<std::string>()
             : std::string();
}

struct Fqcn {
  std::string collection;  // ns.coll
  std::string module;
};

std::optional<Fqcn> SplitFqcn(std::string_view name) {
  size_t first = name.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = name.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return Fqcn{std::string(name.substr(0, second)), std::string(name.substr(second + 1))};
}

std::string Existing(const CodeTree& tree, std::string path) {
  return tree.IsFile(path) ? path : std::string();
}

bool IsBuiltin(std::string_view collection) {
  return collection == "ansible.builtin" || collection == "ansible.legacy";
}

std::string Searched(const CodeRoots& roots) {
  std::vector<std::string> dirs;
  if (!roots.core.empty()) dirs.push_back(roots.core + "/ansible/modules");
  for (const auto& c : roots.collections) dirs.push_back(c + "/ansible_collections");
  if (dirs.empty()) return "(no ansible-core or collections found on this machine)";
  return fmt::format("{}", fmt::join(dirs, ", "));
}

Expected<ModuleCode> NotFound(std::string_view name, std::string_view collection, const CodeRoots& roots) {
  std::string what = IsBuiltin(collection) ? "ansible-core" : fmt::format("ansible-core or collection {}", collection);
  return Fail(fmt::format(
      "module {} is not native in tend and Ansible's code for it was not found in {}; install {}",
      name, Searched(roots), what));
}

Expected<ModuleCode> Locate(std::string_view name, const CodeRoots& roots, const CodeTree& tree,
                            int depth) {
  if (depth > 8) return Fail(fmt::format("module {}: too many redirects", name));
  auto fqcn = SplitFqcn(name);
  Fqcn f = fqcn ? *fqcn : Fqcn{"ansible.builtin", std::string(name)};
  if (IsBuiltin(f.collection)) {
    if (roots.core.empty()) return NotFound(name, f.collection, roots);
    std::string path = fmt::format("{}/ansible/modules/{}.py", roots.core, f.module);
    if (tree.IsFile(path)) {
      return ModuleCode{"ansible.builtin." + f.module, path, "ansible.modules." + f.module,
                        Existing(tree, fmt::format("{}/ansible/plugins/action/{}.py", roots.core, f.module))};
    }
    std::string routed = RoutedName(tree, roots.core + "/ansible/config/ansible_builtin_runtime.yml", f.module);
    if (!routed.empty()) return Locate(routed, roots, tree, depth + 1);
    return NotFound(name, f.collection, roots);
  }
  std::string dir = CollectionDir(f.collection, roots, tree);
  if (dir.empty()) return NotFound(name, f.collection, roots);
  std::string path = fmt::format("{}/plugins/modules/{}.py", dir, f.module);
  if (tree.IsFile(path)) {
    return ModuleCode{f.collection + "." + f.module, path,
                      fmt::format("ansible_collections.{}.plugins.modules.{}", f.collection, f.module),
                      Existing(tree, fmt::format("{}/plugins/action/{}.py", dir, f.module))};
  }
  std::string routed = RoutedName(tree, dir + "/meta/runtime.yml", f.module);
  if (!routed.empty()) return Locate(routed, roots, tree, depth + 1);
  return NotFound(name, f.collection, roots);
}

}  // namespace

std::vector<std::string> DefaultSitePackages(const std::string& home) {
  std::vector<std::string> out;
  auto versions = [](const std::string& parent, const std::string& leaf, std::vector<std::string>& into) {
    std::error_code ec;
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
      std::string name = entry.path().filename().string();
      if (name.starts_with("python3")) found.push_back(entry.path().string() + "/" + leaf);
    }
    std::sort(found.rbegin(), found.rend());
    into.insert(into.end(), found.begin(), found.end());
  };
  if (!home.empty()) versions(home + "/.local/lib", "site-packages", out);
  versions("/usr/local/lib", "dist-packages", out);
  out.push_back("/usr/lib/python3/dist-packages");
  versions("/usr/lib", "site-packages", out);
  return out;
}

std::vector<std::string> DefaultCollectionsPath(const std::string& home) {
  return {home + "/.ansible/collections", "/usr/share/ansible/collections"};
}

CodeRoots FindCodeRoots(const CodeTree& tree, const std::vector<std::string>& site_packages,
                        const std::vector<std::string>& collections_path, const std::string& home) {
  CodeRoots roots;
  for (const auto& dir : site_packages) {
    if (tree.IsDirectory(dir + "/ansible/modules")) {
      roots.core = dir;
      break;
    }
  }
  auto add = [&](std::string dir) {
    if (dir.ends_with("/ansible_collections")) dir.resize(dir.size() - std::string("/ansible_collections").size());
    if (dir.empty() || !tree.IsDirectory(dir + "/ansible_collections")) return;
    if (std::find(roots.collections.begin(), roots.collections.end(), dir) == roots.collections.end()) {
      roots.collections.push_back(dir);
    }
  };
  for (const auto& p : collections_path) add(ExpandHome(p, home));
  if (!roots.core.empty()) add(roots.core);
  return roots;
}

std::string CollectionDir(std::string_view ns_coll, const CodeRoots& roots, const CodeTree& tree) {
  size_t dot = ns_coll.find('.');
  if (dot == std::string_view::npos) return {};
  for (const auto& root : roots.collections) {
    std::string dir = fmt::format("{}/ansible_collections/{}/{}", root, ns_coll.substr(0, dot),
                                  ns_coll.substr(dot + 1));
    if (tree.IsDirectory(dir)) return dir;
  }
  return {};
}

Expected<ModuleCode> LocateModule(std::string_view name, const CodeRoots& roots, const CodeTree& tree) {
  return Locate(name, roots, tree, 0);
}

}  // namespace tend
