#include "controller/playbook/task_loader.h"

#include "controller/playbook/block_loader.h"
#include "controller/playbook/include_loader.h"
#include "controller/playbook/role_loader.h"
#include "controller/playbook/task_action.h"
#include "controller/playbook/task_keywords.h"

namespace tend {

Expected<std::vector<std::string>> CollectionsKeyword(const Json& value) {
  std::vector<std::string> out;
  for (const Json& name : value.is_array() ? value : Json::array({value})) {
    if (!name.is_string()) return Fail("'collections' must be a list of collection names");
    out.push_back(name.get<std::string>());
  }
  return out;
}

Expected<TaskContext> WithCollections(const TaskContext& ctx, const Json& t, const std::string& ptr) {
  if (!t.is_object() || !t.contains("collections")) return ctx;
  auto collections = CollectionsKeyword(t["collections"]);
  if (!collections) return Fail(collections.error().message, ctx.src->At(Pointer(ptr, "collections")));
  TaskContext out = ctx;
  out.collections = std::move(*collections);
  return out;
}

Expected<std::vector<Task>> TaskLoader::LoadList(const TaskContext& ctx, const Json& list,
                                                 const std::string& ptr) {
  std::vector<Task> out;
  if (list.is_null()) return out;
  if (!list.is_array()) return Fail("a list of tasks was expected", ctx.src->At(ptr));
  for (size_t i = 0; i < list.size(); ++i) {
    auto task = LoadTask(ctx, list[i], Pointer(ptr, i));
    if (!task) return std::unexpected(task.error());
    out.push_back(std::move(*task));
  }
  return out;
}

Expected<std::vector<Task>> TaskLoader::LoadFile(const std::string& path, const Role* role,
                                                 const Location& where, const char* what,
                                                 bool handler,
                                                 const std::vector<std::string>& collections) {
  if (auto ok = state_.Enter(path, where, what); !ok) return std::unexpected(ok.error());
  auto src = ReadYamlSource(path);
  if (!src) return std::unexpected(src.error());
  auto tasks = LoadList(TaskContext{src->get(), role, handler, collections}, (*src)->doc, "");
  state_.Leave();
  return tasks;
}

Expected<Task> TaskLoader::LoadTask(const TaskContext& ctx, const Json& t,
                                    const std::string& ptr) {
  const YamlSource& s = *ctx.src;
  if (!t.is_object()) return Fail("a task must be a mapping", s.At(ptr));
  if (t.contains("block")) return LoadBlock(*this, ctx, t, ptr);
  Task task;
  task.where = s.At(ptr);
  task.file = s.path;
  task.role = ctx.role;
  auto scoped = WithCollections(ctx, t, ptr);
  if (!scoped) return std::unexpected(scoped.error());
  task.collections = std::move(scoped->collections);
  if (auto ok = ResolveTaskAction(s, t, ptr, task, state_.options.module_code); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = ReadTaskKeywords(s, t, ptr, ctx.handler, task); !ok) {
    return std::unexpected(ok.error());
  }
  bool imports = task.action == "import_tasks" || task.action == "import_role";
  if (imports && task.args_error) return std::unexpected(*task.args_error);
  if (auto problem = RunTimeProblem(task)) {
    if (auto ok = state_.Defer(*problem); !ok) return std::unexpected(ok.error());
  }
  if (task.action == "import_tasks") return includes_.ImportTasks(ctx, task);
  if (task.action == "import_role") return roles_.ImportRole(ctx, task);
  // include_tasks files are read when the include runs, as in Ansible: a
  // file meant for another OS may use modules tend does not implement.
  return task;
}

}  // namespace tend
