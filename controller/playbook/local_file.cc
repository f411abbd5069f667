#include "controller/playbook/local_file.h"

#include <filesystem>
#include <vector>

namespace tend {

namespace fs = std::filesystem;

std::string FindLocalFile(const Task& task, const std::string& playbook_dir,
                          const std::string& name, std::string_view role_dir) {
  if (fs::path(name).is_absolute()) return name;
  std::vector<fs::path> dirs;
  if (task.role) {
    dirs.push_back(fs::path(task.role->path) / role_dir);
    dirs.push_back(task.role->path);
  }
  if (!task.file.empty()) {
    fs::path here = fs::path(task.file).parent_path();
    dirs.push_back(here / role_dir);
    dirs.push_back(here);
  }
  dirs.push_back(fs::path(playbook_dir) / role_dir);
  dirs.push_back(playbook_dir);
  for (const auto& dir : dirs) {
    fs::path candidate = dir / name;
    if (fs::exists(candidate)) return candidate.string();
  }
  return {};
}

}  // namespace tend
