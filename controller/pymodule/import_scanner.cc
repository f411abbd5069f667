#include "controller/pymodule/import_scanner.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <set>

namespace tend {
namespace {

std::string_view Strip(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::vector<std::string> SplitOn(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (true) {
    size_t at = s.find(sep);
    out.emplace_back(Strip(s.substr(0, at)));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

// "a.b as c" -> "a.b"
std::string WithoutAlias(std::string_view s) {
  s = Strip(s);
  size_t as = s.find(" as ");
  return std::string(Strip(s.substr(0, as)));
}

// Import statements, each on one line: comments dropped, parenthesised and
// backslash-continued statements joined, `;`-separated ones split.
std::vector<std::string> Statements(std::string_view source) {
  std::vector<std::string> out;
  std::string pending;
  bool open_paren = false;
  while (!source.empty()) {
    size_t end = source.find('\n');
    std::string_view line = source.substr(0, end);
    source.remove_prefix(end == std::string_view::npos ? source.size() : end + 1);
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = Strip(line);
    if (pending.empty() && !line.starts_with("import ") && !line.starts_with("from ")) continue;
    bool continued = line.ends_with('\\');
    if (continued) line.remove_suffix(1);
    pending += ' ';
    pending += line;
    if (line.find('(') != std::string_view::npos) open_paren = true;
    if (line.find(')') != std::string_view::npos) open_paren = false;
    if (continued || open_paren) continue;
    for (auto& part : SplitOn(pending, ';')) out.push_back(part);
    pending.clear();
  }
  return out;
}

// `from ..x import y` in `package`: the absolute name of `..x`.
std::string Absolute(std::string_view from, std::string_view package) {
  size_t dots = 0;
  while (dots < from.size() && from[dots] == '.') ++dots;
  if (dots == 0) return std::string(from);
  std::string base(package);
  for (size_t up = 1; up < dots; ++up) {
    size_t at = base.rfind('.');
    base = at == std::string::npos ? std::string() : base.substr(0, at);
  }
  std::string_view rest = from.substr(dots);
  if (rest.empty()) return base;
  return base.empty() ? std::string(rest) : base + "." + std::string(rest);
}

bool Packable(std::string_view name) {
  return name == "ansible.module_utils" || name.starts_with("ansible.module_utils.") ||
         name.starts_with("ansible_collections.");
}

std::string Keep(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '(' && c != ')') out += c;
  }
  return out;
}

}  // namespace

std::vector<std::string> ScanImports(std::string_view source, std::string_view package) {
  std::vector<std::string> names;
  auto add = [&](std::string name) {
    if (Packable(name) && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  };
  for (const auto& statement : Statements(source)) {
    std::string_view s = Strip(statement);
    if (s.starts_with("import ")) {
      for (const auto& part : SplitOn(s.substr(7), ',')) add(WithoutAlias(part));
      continue;
    }
    size_t import_at = s.find(" import ");
    if (!s.starts_with("from ") || import_at == std::string_view::npos) continue;
    std::string from = Absolute(Strip(s.substr(5, import_at - 5)), package);
    add(from);
    for (const auto& part : SplitOn(Keep(s.substr(import_at + 8)), ',')) {
      std::string name = WithoutAlias(part);
      if (!name.empty() && name != "*") add(from + "." + name);
    }
  }
  return names;
}

namespace {

// Where dotted names live on the controller, and what is packed so far.
class Packer {
 public:
  Packer(const CodeRoots& roots, const CodeTree& tree) : roots_(roots), tree_(tree) {}

  Expected<void> AddModule(const ModuleCode& module) {
    auto text = tree_.Read(module.path);
    if (!text) return Fail(fmt::format("cannot read {}", module.path));
    Put(module.dotted, false, std::move(*text));
    return Drain();
  }

  std::vector<PayloadFile> Files() const {
    std::vector<PayloadFile> out;
    for (const auto& [name, content] : files_) out.push_back({name, content});
    return out;
  }

 private:
  // The controller directory a dotted package path starts from.
  std::string RootOf(const std::vector<std::string>& parts) const {
    if (parts.size() >= 3 && parts[0] == "ansible_collections") {
      std::string dir = CollectionDir(parts[1] + "." + parts[2], roots_, tree_);
      size_t at = dir.rfind("/ansible_collections/");
      return at == std::string::npos ? std::string() : dir.substr(0, at);
    }
    return roots_.core;
  }

  // The file of `dotted` (module.py or package/__init__.py), or "".
  std::pair<std::string, bool> FileOf(const std::string& dotted) const {
    auto parts = SplitOn(dotted, '.');
    std::string root = RootOf(parts);
    if (root.empty()) return {{}, false};
    std::string rel = fmt::format("{}", fmt::join(parts, "/"));
    if (tree_.IsFile(root + "/" + rel + ".py")) return {root + "/" + rel + ".py", false};
    if (tree_.IsFile(root + "/" + rel + "/__init__.py")) return {root + "/" + rel + "/__init__.py", true};
    return {{}, false};
  }

  void Put(const std::string& dotted, bool is_package, std::string text) {
    std::string zip = SlashPath(dotted) + (is_package ? "/__init__.py" : ".py");
    if (files_.contains(zip)) return;
    std::string package = is_package ? dotted : dotted.substr(0, dotted.rfind('.'));
    for (auto& name : ScanImports(text, package)) queue_.push_back(std::move(name));
    files_[zip] = std::move(text);
    AddParents(dotted);
  }

  // Every enclosing package's __init__.py: the real one when it exists, else
  // empty; ansible/__init__.py is always ours (the real one imports what a
  // module never needs).
  void AddParents(const std::string& dotted) {
    auto parts = SplitOn(dotted, '.');
    std::string prefix;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
      prefix += (i ? "." : "") + parts[i];
      std::string zip = SlashPath(prefix) + "/__init__.py";
      if (files_.contains(zip)) continue;
      if (prefix == "ansible") {
        files_[zip] = "from pkgutil import extend_path\n__path__ = extend_path(__path__, __name__)\n";
        continue;
      }
      auto [file, package] = FileOf(prefix);
      if (package) {
        if (auto text = tree_.Read(file)) {
          Put(prefix, true, std::move(*text));
          continue;
        }
      }
      files_[zip] = "";
    }
  }

  Expected<void> Drain() {
    while (!queue_.empty()) {
      std::string name = std::move(queue_.front());
      queue_.pop_front();
      if (!seen_.insert(name).second) continue;
      Resolve(name);
    }
    return {};
  }

  // The name, or its nearest enclosing module that is a file.
  void Resolve(std::string name) {
    while (Packable(name)) {
      auto [file, package] = FileOf(name);
      if (!file.empty()) {
        if (auto text = tree_.Read(file)) Put(name, package, std::move(*text));
        return;
      }
      size_t dot = name.rfind('.');
      if (dot == std::string::npos) return;
      name.resize(dot);
      if (seen_.contains(name)) return;
    }
  }

  static std::string SlashPath(std::string dotted) {
    std::replace(dotted.begin(), dotted.end(), '.', '/');
    return dotted;
  }

  const CodeRoots& roots_;
  const CodeTree& tree_;
  std::map<std::string, std::string> files_;
  std::deque<std::string> queue_;
  std::set<std::string> seen_;
};

}  // namespace

Expected<std::vector<PayloadFile>> CollectModuleFiles(const ModuleCode& module, const CodeRoots& roots,
                                                      const CodeTree& tree) {
  Packer packer(roots, tree);
  if (auto ok = packer.AddModule(module); !ok) return std::unexpected(ok.error());
  return packer.Files();
}

}  // namespace tend
