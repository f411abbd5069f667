#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "controller/playbook/actions/action_table.h"
#include "controller/playbook/run_context.h"
#include "controller/playbook/vars_files.h"
#include "core/json_object.h"

namespace tend {
namespace {

namespace fs = std::filesystem;

// The first existing of: absolute, the role's vars/, the task file's vars/
// and directory, the playbook's vars/ and directory.
std::string FindVarsPath(const ActionCall& call, const std::string& target) {
  const Task& task = call.task;
  std::vector<std::string> candidates;
  if (fs::path(target).is_absolute()) candidates.push_back(target);
  if (task.role) candidates.push_back(task.role->path + "/vars/" + target);
  if (!task.file.empty()) {
    candidates.push_back((fs::path(task.file).parent_path() / "vars" / target).string());
    candidates.push_back((fs::path(task.file).parent_path() / target).string());
  }
  const std::string& playbook_dir = call.worker.run.play->playbook_dir;
  candidates.push_back(playbook_dir + "/vars/" + target);
  candidates.push_back(playbook_dir + "/" + target);
  for (const auto& c : candidates) {
    if (fs::exists(c)) return c;
  }
  return {};
}

// A file, or a directory's .yml/.yaml/.json files (recursively, sorted).
std::vector<std::string> VarsFiles(const std::string& found) {
  std::vector<std::string> files;
  if (!fs::is_directory(found)) return {found};
  for (const auto& e : fs::recursive_directory_iterator(found)) {
    auto ext = e.path().extension();
    if (e.is_regular_file() && (ext == ".yml" || ext == ".yaml" || ext == ".json")) {
      files.push_back(e.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

Json RunIncludeVars(const ActionCall& call) {
  const Json& args = call.args;
  std::string file = args.value("file", args.value("_raw_params", ""));
  std::string target = file.empty() ? args.value("dir", "") : file;
  if (target.empty()) return FailResult("include_vars needs a file or dir");
  std::string found = FindVarsPath(call, target);
  if (found.empty()) return FailResult(fmt::format("Could not find or access '{}'", target));
  std::vector<std::string> files = VarsFiles(found);
  Json loaded = Json::object();
  for (const auto& f : files) {
    auto doc = ReadVarsFile(f, call.worker.ctx.opt.vault_secrets);
    if (!doc) return FailResult(doc.error().ToString());
    MergeObject(loaded, *doc);
  }
  std::string name = args.value("name", "");
  Json facts = name.empty() ? loaded : Json{{name, loaded}};
  HostState& h = call.worker.h;
  {
    std::unique_lock lock(h.mutex);
    MergeObject(h.include_vars, facts);
  }
  return Json{
      {"ansible_facts", facts}, {"ansible_included_var_files", files}, {"changed", false}};
}

}  // namespace tend
