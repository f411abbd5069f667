#include "controller/playbook/play_run.h"

#include <filesystem>

namespace tend {

TemplarContext ContextFor(const PlayRun& run, const Task* task) {
  TemplarContext ctx;
  if (task != nullptr && task->role != nullptr) {
    ctx.search_paths.push_back(task->role->path + "/templates");
    ctx.search_paths.push_back(task->role->path + "/files");
    ctx.search_paths.push_back(task->role->path + "/tasks");
    ctx.search_paths.push_back(task->role->path);
  }
  if (task != nullptr && !task->file.empty()) {
    ctx.search_paths.push_back(std::filesystem::path(task->file).parent_path().string());
  }
  for (const auto& p : run.templar_context.search_paths) ctx.search_paths.push_back(p);
  return ctx;
}

}  // namespace tend
