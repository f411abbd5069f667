#include "controller/playbook/loader.h"

#include <fmt/format.h>

#include <filesystem>
#include <utility>

#include "controller/playbook/include_loader.h"
#include "controller/playbook/loader_state.h"
#include "controller/playbook/play_loader.h"
#include "controller/playbook/role_loader.h"
#include "controller/playbook/task_loader.h"

namespace tend {

// The parts of the loader refer to each other (a task file imports a role,
// a role loads task files); each holds only the state it needs.
struct PlaybookLoader::Impl {
  LoaderState state;
  TaskLoader tasks{state, includes, roles};
  IncludeLoader includes{state, tasks};
  RoleLoader roles{state, tasks};
  PlayLoader plays{state, tasks, roles};
};

PlaybookLoader::PlaybookLoader(LoadOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->state.options = std::move(options);
}

PlaybookLoader::~PlaybookLoader() = default;

Expected<Playbook> PlaybookLoader::Load(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Fail(fmt::format("playbook '{}' not found", path));
  }
  return impl_->plays.LoadPlaybook(path);
}

Expected<const std::vector<Task>*> PlaybookLoader::IncludeTasks(const std::string& path,
                                                                const Role* role,
                                                                const Location& where,
                                                                const std::vector<std::string>& collections) {
  std::lock_guard lock(impl_->state.mutex);
  return impl_->includes.IncludeAtRunTime(path, role, where, collections);
}

std::vector<std::string> PlaybookLoader::TakeWarnings() {
  std::lock_guard lock(impl_->state.mutex);
  return std::exchange(impl_->state.warnings, {});
}

Expected<std::shared_ptr<Role>> PlaybookLoader::IncludeRole(const Json& args,
                                                            const std::string& playbook_dir,
                                                            const Location& where) {
  std::lock_guard lock(impl_->state.mutex);
  if (impl_->state.playbook_dir.empty()) impl_->state.playbook_dir = playbook_dir;
  return impl_->roles.IncludeRole(args, where);
}

}  // namespace tend
