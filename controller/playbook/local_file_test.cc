#include "controller/playbook/local_file.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace tend {
namespace {

namespace fs = std::filesystem;

struct Tree {
  fs::path root = fs::temp_directory_path() / ("tend-local-file-" + std::to_string(getpid()));
  Tree() { fs::remove_all(root); }
  ~Tree() { fs::remove_all(root); }
  std::string Add(const std::string& relative) {
    fs::path p = root / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << "x: 1\n";
    return p.string();
  }
};

TEST_CASE("a task's file is found in the role's subdir, the role, beside the task, then the playbook") {
  Tree tree;
  Role role{.name = "web", .path = (tree.root / "roles/web").string()};
  Task task;
  task.role = &role;
  task.file = (tree.root / "roles/web/tasks/main.yml").string();
  std::string playbook = tree.root.string();

  // A path below the role itself (not under vars/), as Ansible finds it.
  std::string in_role = tree.Add("roles/web/vars2/hash.yml");
  CHECK(FindLocalFile(task, playbook, "vars2/hash.yml", "vars") == in_role);

  std::string in_playbook = tree.Add("common.yml");
  CHECK(FindLocalFile(task, playbook, "common.yml", "vars") == in_playbook);
  std::string in_vars = tree.Add("roles/web/vars/common.yml");
  CHECK(FindLocalFile(task, playbook, "common.yml", "vars") == in_vars);

  std::string beside = tree.Add("roles/web/tasks/extra.yml");
  CHECK(FindLocalFile(task, playbook, "extra.yml", "vars") == beside);
  CHECK(FindLocalFile(task, playbook, "missing.yml", "vars").empty());
  CHECK(FindLocalFile(task, playbook, "/abs/any.yml", "vars") == "/abs/any.yml");
}

}  // namespace
}  // namespace tend
