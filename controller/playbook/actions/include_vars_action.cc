// include_vars: one file, or the files of a directory, as Ansible's action
// plugin loads them (extensions, depth, files_matching, ignore_files, a role's
// vars/main.yml left out, name, hash_behaviour).

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "controller/playbook/actions/action_table.h"
#include "controller/playbook/local_file.h"
#include "controller/playbook/run_context.h"
#include "controller/playbook/vars_files.h"
#include "core/json_object.h"
#include "core/regex.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

// Ansible's _set_root_dir: in a role, `dir` is under the role's vars/ (or the
// role itself when it starts with vars/); elsewhere beside the task's file.
std::string DirRoot(const ActionCall& call, const std::string& dir) {
  if (fs::path(dir).is_absolute()) return dir;
  const Task& task = call.task;
  if (task.role) {
    if (dir.substr(0, dir.find('/')) == "vars" && fs::exists(task.role->path + "/" + dir)) {
      return task.role->path + "/" + dir;
    }
    return task.role->path + "/vars/" + dir;
  }
  if (!task.file.empty()) return (fs::path(task.file).parent_path() / dir).string();
  return call.worker.run.play->playbook_dir + "/" + dir;
}

struct DirOptions {
  int depth = 0;  // 0: unlimited
  std::optional<Regex> files_matching;
  std::vector<Regex> ignore_files;
  std::vector<std::string> extensions = {"yaml", "yml", "json"};
  bool ignore_unknown_extensions = false;
  std::string role_main;  // the role's vars/main.yml, which a role already loaded
};

std::vector<std::string> StringList(const Json& v) {
  std::vector<std::string> out;
  if (v.is_string()) {
    // A string is split on whitespace (ignore_files) as Ansible's str.split().
    std::string s = v.get<std::string>();
    for (size_t p = 0; p < s.size();) {
      size_t b = s.find_first_not_of(" \t\n", p);
      if (b == std::string::npos) break;
      size_t e = s.find_first_of(" \t\n", b);
      out.push_back(s.substr(b, e == std::string::npos ? std::string::npos : e - b));
      p = e == std::string::npos ? s.size() : e;
    }
  } else if (v.is_array()) {
    for (const auto& e : v) out.push_back(e.is_string() ? e.get<std::string>() : e.dump());
  }
  return out;
}

Expected<DirOptions> ReadDirOptions(const ActionCall& call) {
  const Json& args = call.args;
  DirOptions o;
  if (args.contains("depth") && !args["depth"].is_null()) {
    const Json& d = args["depth"];
    o.depth = d.is_number() ? d.get<int>() : std::atoi(d.get<std::string>().c_str());
  }
  if (args.contains("files_matching") && args["files_matching"].is_string()) {
    auto re = Regex::Compile(args["files_matching"].get<std::string>());
    if (!re) return Fail("files_matching is not a valid regular expression: " + re.error().message);
    o.files_matching = std::move(*re);
  }
  if (args.contains("ignore_files")) {
    if (args["ignore_files"].is_object()) return Fail(fmt::format("{} must be a list", args["ignore_files"].dump()));
    for (const auto& pattern : StringList(args["ignore_files"])) {
      auto re = Regex::Compile(pattern + "$");
      if (!re) return Fail("Invalid regular expression: " + pattern);
      o.ignore_files.push_back(std::move(*re));
    }
  }
  if (args.contains("extensions")) {
    if (!args["extensions"].is_array()) return Fail("Invalid type for \"extensions\" option, it must be a list");
    o.extensions = StringList(args["extensions"]);
  }
  o.ignore_unknown_extensions = args.contains("ignore_unknown_extensions") && JsonTruthy(args["ignore_unknown_extensions"]);
  if (call.task.role) o.role_main = call.task.role->path + "/vars/main.yml";
  return o;
}

// re.search; a match over the engine's limits counts as none.
bool Found(const Regex& re, std::string_view text) {
  auto m = re.Search(text);
  return m && m->has_value();
}

// Python's os.path.splitext()[1][1:]: "" for "hosts" and ".bashrc".
std::string Extension(const std::string& name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || name.find_first_not_of('.') > dot) return "";
  return name.substr(dot + 1);
}

bool Listed(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// The directory's files in Ansible's order: directories sorted by path, the
// files of each sorted by name, no deeper than `depth` directories.
Expected<std::vector<std::string>> DirFiles(const std::string& root, const DirOptions& o) {
  std::vector<std::string> dirs = {root};
  for (const auto& e : fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied)) {
    if (e.is_directory()) dirs.push_back(e.path().string());
  }
  std::sort(dirs.begin(), dirs.end());
  std::vector<std::string> files;
  int walked = 0;
  for (const auto& dir : dirs) {
    if (o.depth != 0 && ++walked > o.depth) break;
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_directory()) names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      std::string path = (fs::path(dir) / name).string();
      if (path == o.role_main) continue;
      if (o.files_matching && !Found(*o.files_matching, name)) continue;
      if (std::any_of(o.ignore_files.begin(), o.ignore_files.end(),
                      [&](const Regex& re) { return Found(re, name); })) {
        continue;
      }
      if (!Listed(o.extensions, Extension(name))) {
        if (o.ignore_unknown_extensions) continue;
        std::string valid;
        for (const auto& e : o.extensions) valid += (valid.empty() ? "" : ", ") + e;
        return Fail(fmt::format("{} does not have a valid extension: {}", path, valid));
      }
      files.push_back(path);
    }
  }
  return files;
}

// Loads one vars file, decrypting a vaulted one; an empty file is an empty mapping.
Expected<Json> LoadIncludedVars(const std::string& path, const VaultSecrets& secrets) {
  auto doc = ReadVarsFile(path, secrets);
  if (!doc) return std::unexpected(doc.error());
  if (doc->is_null()) return Json::object();
  if (!doc->is_object()) return Fail(fmt::format("{} must be stored as a dictionary/hash", path));
  return doc;
}

// hash_behaviour=merge: dicts merged recursively into what the host has.
void MergeInto(Json& base, const Json& add) {
  for (const auto& [k, v] : add.items()) {
    if (base.contains(k) && base[k].is_object() && v.is_object()) MergeInto(base[k], v);
    else base[k] = v;
  }
}

Expected<void> CheckArgs(const Json& args) {
  static const std::vector<std::string> dir_args = {"dir", "depth", "files_matching", "ignore_files",
                                                    "extensions", "ignore_unknown_extensions"};
  static const std::vector<std::string> file_args = {"file", "_raw_params"};
  int dirs = 0, files = 0;
  for (const auto& [k, v] : args.items()) {
    if (Listed(dir_args, k)) ++dirs;
    else if (Listed(file_args, k)) ++files;
    else if (k != "name" && k != "hash_behaviour") return Fail(k + " is not a valid option in include_vars");
  }
  if (dirs && files) return Fail("You are mixing file only and dir only arguments, these are incompatible");
  return {};
}

Json Failed(const std::string& message) {
  Json r = FailResult(message);
  r["message"] = message;  // Ansible's include_vars reports its error here
  return r;
}

}  // namespace

Json RunIncludeVars(const ActionCall& call) {
  const Json& args = call.args;
  if (auto ok = CheckArgs(args); !ok) return FailResult(ok.error().message);
  std::vector<std::string> files;
  if (args.contains("dir")) {
    std::string root = DirRoot(call, args.value("dir", ""));
    if (!fs::exists(root)) return Failed(root + " directory does not exist");
    if (!fs::is_directory(root)) return Failed(root + " is not a directory");
    auto options = ReadDirOptions(call);
    if (!options) return Failed(options.error().message);
    auto listed = DirFiles(root, *options);
    if (!listed) return Failed(listed.error().message);
    files = std::move(*listed);
  } else {
    std::string file = args.value("file", args.value("_raw_params", ""));
    while (!file.empty() && file.back() == '\n') file.pop_back();
    // No file at all (a lookup that found none renders empty): Ansible's
    // file-not-found words, in `message` as its include_vars reports them.
    if (file.empty()) return Failed("Could not find file");
    std::string playbook_dir = call.worker.run.play->playbook_dir;
    std::string found = FindLocalFile(call.task, playbook_dir, file, "vars");
    if (found.empty()) return Failed(fmt::format("Could not find or access '{}'", file));
    files.push_back(found);
  }
  Json loaded = Json::object();
  for (const auto& f : files) {
    auto doc = LoadIncludedVars(f, call.worker.ctx.opt.vault_secrets);
    if (!doc) return Failed(doc.error().ToString());
    MergeObject(loaded, *doc);
  }
  std::string name = args.value("name", "");
  Json facts = name.empty() ? loaded : Json{{name, loaded}};
  HostState& h = call.worker.h;
  {
    std::unique_lock lock(h.mutex);
    if (args.value("hash_behaviour", "") != "merge") {
      MergeObject(h.include_vars, facts);
    } else {
      for (auto& [k, v] : facts.items()) {
        if (v.is_object()) {
          Json base = h.include_vars.contains(k) ? h.include_vars[k] : h.host_facts.value(k, Json::object());
          if (base.is_object()) {
            MergeInto(base, v);
            v = std::move(base);
          }
        }
        h.include_vars[k] = v;
      }
    }
  }
  return Json{{"ansible_facts", facts}, {"ansible_included_var_files", files}, {"changed", false}};
}

}  // namespace tend
