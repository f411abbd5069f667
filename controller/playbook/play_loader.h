#pragma once

#include <string>

#include "controller/playbook/loader_state.h"
#include "controller/playbook/model.h"
#include "controller/playbook/role_loader.h"
#include "controller/playbook/task_loader.h"
#include "controller/playbook/yaml_source.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// Playbooks and plays: the list of plays with `import_playbook` inlined, each
/// play's keywords, and its sections (pre_tasks, roles, tasks, post_tasks,
/// handlers) in the order they run.
class PlayLoader {
 public:
  PlayLoader(LoaderState& state, TaskLoader& tasks, RoleLoader& roles)
      : state_(state), tasks_(tasks), roles_(roles) {}

  Expected<Playbook> LoadPlaybook(const std::string& path);

 private:
  Expected<void> LoadPlays(const std::string& path, const Location& where, Playbook& book);
  Expected<void> ImportPlaybook(const YamlSource& s, const Json& entry, const std::string& ptr,
                                const std::string& import_key, Playbook& book);
  Expected<Play> LoadPlay(const YamlSource& s, const Json& p, const std::string& ptr,
                          const std::string& dir);
  Expected<void> ReadPlayKeywords(const YamlSource& s, const Json& p, const std::string& ptr,
                                  Play& play);
  Expected<void> LoadSections(const YamlSource& s, const Json& p, const std::string& ptr,
                              Play& play);
  Expected<void> LoadSection(const YamlSource& s, const Json& p, const std::string& ptr,
                             const char* key, std::vector<Task>& out, bool handler);
  Expected<void> LoadRoles(const YamlSource& s, const Json& p, const std::string& ptr,
                           Play& play);

  LoaderState& state_;
  TaskLoader& tasks_;
  RoleLoader& roles_;
};

}  // namespace tend
