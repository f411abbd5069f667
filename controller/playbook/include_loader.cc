#include "controller/playbook/include_loader.h"

#include <fmt/format.h>

#include <filesystem>

#include "controller/playbook/keyword_inheritance.h"

namespace tend {
namespace fs = std::filesystem;
namespace {

std::string IncludeFileArg(const Task& task) {
  const Json& f =
      task.args.contains("file") ? task.args["file"] : task.args.value("_raw_params", Json());
  return f.is_string() ? f.get<std::string>() : "";
}

bool IsFile(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

}  // namespace

Expected<Task> IncludeLoader::ImportTasks(const TaskContext& ctx, const Task& import) {
  std::string name = IncludeFileArg(import);
  if (name.empty()) return Fail("import_tasks needs a file name", import.where);
  if (name.find("{{") != std::string::npos) {
    return Fail("import_tasks cannot use variables in the file name; use include_tasks",
                import.where);
  }
  std::string path =
      PlaybookLoader::ResolveTaskFile(name, ctx.src->path, ctx.role, state_.playbook_dir);
  if (!IsFile(path)) return Fail(fmt::format("task file '{}' not found", name), import.where);
  auto tasks = tasks_.LoadFile(path, ctx.role, import.where, "import_tasks", ctx.handler,
                               import.collections);
  if (!tasks) return std::unexpected(tasks.error());
  Task block = import;
  block.action.clear();
  block.args = Json::object();
  block.is_block = true;
  block.block = std::move(*tasks);
  for (auto& child : block.block) Inherit(import, child);
  block.when.clear();  // already pushed into each child
  block.tags.clear();
  return block;
}

Expected<const std::vector<Task>*> IncludeLoader::IncludeAtRunTime(const std::string& path,
                                                                   const Role* role,
                                                                   const Location& where,
                                                                   const std::vector<std::string>& collections) {
  if (!IsFile(path)) return Fail(fmt::format("task file '{}' not found", path), where);
  // The same file under another search list may name other modules.
  std::string key = CanonicalPath(path);
  for (const auto& c : collections) key += "\n" + c;
  auto it = state_.task_cache.find(key);
  if (it != state_.task_cache.end()) return it->second.get();
  state_.file_stack.clear();
  auto tasks = tasks_.LoadFile(path, role, where, "include_tasks", false, collections);
  if (!tasks) return std::unexpected(tasks.error());
  auto& slot = state_.task_cache[key];
  slot = std::make_unique<std::vector<Task>>(std::move(*tasks));
  return slot.get();
}

std::string PlaybookLoader::ResolveTaskFile(const std::string& name,
                                            const std::string& including_file, const Role* role,
                                            const std::string& playbook_dir) {
  if (fs::path(name).is_absolute()) return name;
  std::vector<fs::path> candidates;
  if (!including_file.empty()) candidates.push_back(fs::path(including_file).parent_path() / name);
  if (role) candidates.push_back(fs::path(role->path) / "tasks" / name);
  candidates.push_back(fs::path(playbook_dir) / name);
  for (const auto& c : candidates) {
    if (IsFile(c)) return c.lexically_normal().string();
  }
  return candidates.front().lexically_normal().string();
}

}  // namespace tend
