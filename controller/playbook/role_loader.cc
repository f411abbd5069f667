#include "controller/playbook/role_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "controller/playbook/keyword_inheritance.h"
#include "controller/playbook/task_keywords.h"
#include "controller/playbook/vars_files.h"

namespace tend {
namespace fs = std::filesystem;

std::vector<std::string> RoleLoader::SearchPath(const std::string& from_dir) const {
  std::vector<std::string> dirs;
  if (!from_dir.empty()) dirs.push_back(from_dir);
  dirs.push_back(state_.playbook_dir + "/roles");
  for (const auto& p : state_.options.roles_path) dirs.push_back(p);
  dirs.push_back(state_.playbook_dir);
  return dirs;
}

Expected<std::string> RoleLoader::Find(const std::string& name, const std::string& from_dir,
                                       const Location& where) const {
  std::error_code ec;
  if (name.find('/') != std::string::npos) {
    fs::path p = fs::path(name).is_absolute() ? fs::path(name)
                                              : fs::path(state_.playbook_dir) / name;
    if (fs::is_directory(p, ec)) return p.lexically_normal().string();
  }
  std::vector<std::string> dirs = SearchPath(from_dir);
  for (const auto& d : dirs) {
    fs::path p = fs::path(d) / name;
    if (fs::is_directory(p, ec)) return p.lexically_normal().string();
  }
  std::string joined;
  for (const auto& d : dirs) joined += (joined.empty() ? "" : ":") + d;
  return Fail(fmt::format("the role '{}' was not found in {}", name, joined), where);
}

Expected<std::shared_ptr<Role>> RoleLoader::Build(const Request& req, const std::string& from_dir,
                                                  const Location& where) {
  auto path = Find(req.name, from_dir, where);
  if (!path) return std::unexpected(path.error());
  auto role = std::make_shared<Role>();
  role->name = fs::path(*path).filename().string();
  role->path = *path;
  role->params = req.params;
  auto defaults =
      LoadVarsFile(*path + "/defaults", req.defaults_from, where, req.defaults_from != "main");
  if (!defaults) return std::unexpected(defaults.error());
  role->defaults = std::move(*defaults);
  auto vars = LoadVarsFile(*path + "/vars", req.vars_from, where, req.vars_from != "main");
  if (!vars) return std::unexpected(vars.error());
  role->vars = std::move(*vars);
  auto meta = LoadVarsFile(*path + "/meta", "main", where, false);
  if (!meta) return std::unexpected(meta.error());
  role->allow_duplicates = ResolveBool(meta->value("allow_duplicates", Json(false)));
  role->dependencies = meta->value("dependencies", Json::array());
  auto collections = CollectionsKeyword(meta->value("collections", Json::array()));
  if (!collections) {
    return Fail(fmt::format("{}: {}", FirstExisting(*path + "/meta", "main"), collections.error().message), where);
  }
  role->collections = std::move(*collections);
  if (auto ok = LoadTaskFiles(req, *role, where); !ok) return std::unexpected(ok.error());
  for (auto* list : {&role->tasks, &role->handlers}) SetRole(*list, role.get());
  return role;
}

Expected<void> RoleLoader::LoadTaskFiles(const Request& req, Role& role, const Location& where) {
  std::string tasks_file = FirstExisting(role.path + "/tasks", req.tasks_from);
  if (tasks_file.empty() && req.tasks_from != "main") {
    return Fail(fmt::format("tasks file '{}' not found in role '{}'", req.tasks_from, req.name),
                where);
  }
  if (!tasks_file.empty()) {
    auto tasks = tasks_.LoadFile(tasks_file, &role, where, "role", false, role.collections);
    if (!tasks) return std::unexpected(tasks.error());
    role.tasks = std::move(*tasks);
  }
  std::string handlers_file = FirstExisting(role.path + "/handlers", req.handlers_from);
  if (!handlers_file.empty()) {
    auto handlers = tasks_.LoadFile(handlers_file, &role, where, "role", true, role.collections);
    if (!handlers) return std::unexpected(handlers.error());
    role.handlers = std::move(*handlers);
  }
  return {};
}

Expected<RoleLoader::Request> RoleLoader::ParseEntry(const YamlSource& s, const Json& entry,
                                                     const std::string& ptr) {
  Request req;
  if (entry.is_string()) {
    req.name = entry;
    return req;
  }
  if (!entry.is_object()) return Fail("a role entry must be a name or a mapping", s.At(ptr));
  const char* key = entry.contains("role") ? "role" : entry.contains("name") ? "name" : nullptr;
  if (key == nullptr || !entry[key].is_string()) {
    return Fail("a role entry needs 'role'", s.At(ptr));
  }
  req.name = entry[key];
  for (const auto& [k, v] : entry.items()) {
    if (k == key) continue;
    if (IsRoleEntryKeyword(k))
      req.entry[k] = v;
    else
      req.params[k] = v;
  }
  return req;
}

Expected<RoleLoader::Request> RoleLoader::RequestFromArgs(const Json& args,
                                                          const Location& where) {
  Request req;
  if (!args.contains("name") || !args["name"].is_string()) {
    return Fail("include_role/import_role needs 'name'", where);
  }
  req.name = args["name"];
  for (auto [key, field] :
       {std::pair{"tasks_from", &req.tasks_from}, std::pair{"vars_from", &req.vars_from},
        std::pair{"defaults_from", &req.defaults_from},
        std::pair{"handlers_from", &req.handlers_from}}) {
    if (!args.contains(key) || !args[key].is_string()) continue;
    std::string v = args[key];
    for (const char* ext : {".yml", ".yaml"}) {
      if (v.ends_with(ext)) v.resize(v.size() - std::string_view(ext).size());
    }
    *field = v;
  }
  return req;
}

Expected<void> RoleLoader::Add(const Request& req, const std::string& from_dir,
                               const Location& where, std::vector<Task>& out,
                               const Task& inherited) {
  if (std::find(role_stack_.begin(), role_stack_.end(), req.name) != role_stack_.end()) {
    return Fail(fmt::format("recursive role dependency on '{}'", req.name), where);
  }
  auto role = Build(req, from_dir, where);
  if (!role) return std::unexpected(role.error());
  role_stack_.push_back(req.name);
  if (auto ok = AddDependencies(**role, out, inherited); !ok) return ok;
  role_stack_.pop_back();
  AddToPlay(*role, out, inherited);
  return {};
}

Expected<void> RoleLoader::AddDependencies(const Role& role, std::vector<Task>& out,
                                           const Task& inherited) {
  const Json& deps = role.dependencies;
  std::string parent_dir = fs::path(role.path).parent_path().string();
  YamlSource meta_src;
  meta_src.path = FirstExisting(role.path + "/meta", "main");
  for (const auto& dep : deps.is_array() ? deps : Json::array()) {
    auto dreq = ParseEntry(meta_src, dep, "");
    if (!dreq) return std::unexpected(Error{dreq.error().message, Location{meta_src.path}, ""});
    Task dep_inherited = InheritedFrom(dreq->entry);
    Inherit(inherited, dep_inherited);
    auto ok = Add(*dreq, parent_dir, Location{meta_src.path}, out, dep_inherited);
    if (!ok) return ok;
  }
  return {};
}

void RoleLoader::AddToPlay(const std::shared_ptr<Role>& role, std::vector<Task>& out,
                           const Task& inherited) {
  for (const auto& existing : play_->roles) {
    if (existing->path == role->path && existing->params == role->params &&
        !role->allow_duplicates) {
      return;
    }
  }
  play_->roles.push_back(role);
  role->tags = inherited.tags;
  for (auto t : role->tasks) {
    Inherit(inherited, t);
    out.push_back(std::move(t));
  }
  for (auto h : role->handlers) {
    Inherit(inherited, h);
    play_->handlers.push_back(std::move(h));
  }
}

Expected<void> RoleLoader::AddPlayRole(const TaskContext& ctx, const Json& entry,
                                       const std::string& ptr, std::vector<Task>& out) {
  auto req = ParseEntry(*ctx.src, entry, ptr);
  if (!req) return std::unexpected(req.error());
  return Add(*req, "", ctx.src->At(ptr), out, InheritedFrom(req->entry));
}

Expected<Task> RoleLoader::ImportRole(const TaskContext& ctx, const Task& import) {
  auto req = RequestFromArgs(import.args, import.where);
  if (!req) return std::unexpected(req.error());
  std::string from_dir =
      ctx.role ? fs::path(ctx.role->path).parent_path().string() : std::string();
  std::vector<Task> tasks;
  Task inherited = import;
  inherited.role = nullptr;
  if (auto ok = Add(*req, from_dir, import.where, tasks, inherited); !ok) {
    return std::unexpected(ok.error());
  }
  Task block;
  block.is_block = true;
  block.where = import.where;
  block.file = import.file;
  block.block = std::move(tasks);
  return block;
}

Expected<std::shared_ptr<Role>> RoleLoader::IncludeRole(const Json& args, const Location& where) {
  auto req = RequestFromArgs(args, where);
  if (!req) return std::unexpected(req.error());
  state_.file_stack.clear();
  auto role = Build(*req, "", where);
  if (!role) return role;
  state_.runtime_roles.push_back(*role);
  return role;
}

}  // namespace tend
