#include "controller/playbook/play_loader.h"

#include <fmt/format.h>

#include <filesystem>

#include "controller/playbook/keyword_inheritance.h"
#include "controller/playbook/loader.h"
#include "controller/playbook/task_keywords.h"
#include "controller/playbook/vars_files.h"
#include "core/suggest.h"

namespace tend {
namespace fs = std::filesystem;
namespace {

std::string PlayHosts(const Json& hosts) {
  if (!hosts.is_array()) return hosts.is_string() ? hosts.get<std::string>() : hosts.dump();
  std::string out;
  for (const auto& h : ToStringList(hosts, false)) out += (out.empty() ? "" : ",") + h;
  return out;
}

void ReadVarsKeywords(const Json& p, Play& play) {
  auto get = [&](const char* key) { return p.contains(key) ? p[key] : Json(); };
  play.vars = MergeVarsList(get("vars"));
  for (const auto& f : get("vars_files").is_array() ? get("vars_files") : Json::array()) {
    play.vars_files.push_back(f.is_string() ? f.get<std::string>() : f.dump());
  }
  if (get("vars_files").is_string()) play.vars_files.push_back(get("vars_files").get<std::string>());
  for (const auto& vp : get("vars_prompt").is_array() ? get("vars_prompt") : Json::array()) {
    VarPrompt prompt;
    prompt.name = vp.value("name", "");
    prompt.prompt = vp.value("prompt", prompt.name);
    prompt.default_value = vp.value("default", Json());
    prompt.is_private = vp.value("private", true);
    play.vars_prompt.push_back(std::move(prompt));
  }
}

// Keywords kept as written; templates in them are rendered when the play runs.
void CopyRunTimeKeywords(const Json& p, Play& play) {
  auto get = [&](const char* key) { return p.contains(key) ? p[key] : Json(); };
  if (p.contains("gather_facts")) play.gather_facts = p["gather_facts"];
  play.gather_subset = get("gather_subset");
  play.gather_timeout = get("gather_timeout");
  play.fact_path = get("fact_path");
  play.become = get("become");
  play.become_user = get("become_user");
  play.become_method = get("become_method");
  play.remote_user = get("remote_user");
  play.connection = get("connection");
  play.serial = get("serial");
  if (p.contains("order") && p["order"].is_string()) play.order = p["order"];
  play.max_fail_percentage = get("max_fail_percentage");
  play.any_errors_fatal = ResolveBool(get("any_errors_fatal"));
  play.ignore_unreachable = ResolveBool(get("ignore_unreachable"));
  play.force_handlers = ResolveBool(get("force_handlers"));
  play.environment = get("environment");
  if (get("module_defaults").is_object()) play.module_defaults = get("module_defaults");
  play.tags = ToStringList(get("tags"), true);
  play.check_mode = get("check_mode");
  play.diff = get("diff");
  play.no_log = get("no_log");
  play.throttle = get("throttle");
}

Expected<void> ReadStrategy(const YamlSource& s, const Json& p, const std::string& ptr,
                            Play& play) {
  if (!p.contains("strategy")) return {};
  play.strategy = p["strategy"].is_string() ? p["strategy"].get<std::string>() : "";
  if (play.strategy != "linear" && play.strategy != "free" && play.strategy != "debug") {
    return Fail(fmt::format("unknown strategy '{}'{}", play.strategy,
                            SuggestionSuffix(play.strategy, {"linear", "free"})),
                s.At(Pointer(ptr, "strategy")));
  }
  if (play.strategy == "debug") play.strategy = "linear";
  return {};
}

}  // namespace

Expected<Playbook> PlayLoader::LoadPlaybook(const std::string& path) {
  Playbook book;
  book.path = path;
  state_.playbook_dir = fs::absolute(path).parent_path().string();
  if (auto ok = LoadPlays(path, Location{}, book); !ok) return std::unexpected(ok.error());
  return book;
}

Expected<void> PlayLoader::LoadPlays(const std::string& path, const Location& where,
                                     Playbook& book) {
  if (auto ok = state_.Enter(path, where, "import_playbook"); !ok) return ok;
  auto src = ReadYamlSource(path);
  if (!src) return std::unexpected(src.error());
  const YamlSource& s = **src;
  // As Ansible: an empty (or comment-only) playbook is an error, not a no-op.
  if (s.doc.is_null() || (s.doc.is_array() && s.doc.empty())) {
    return Fail(fmt::format("Empty playbook, nothing to do: {}", fs::absolute(path).string()),
                where);
  }
  if (!s.doc.is_array()) return Fail("a playbook must be a list of plays", s.At(""));
  for (size_t i = 0; i < s.doc.size(); ++i) {
    std::string ptr = Pointer("", i);
    const Json& entry = s.doc[i];
    if (!entry.is_object()) return Fail("a play must be a mapping", s.At(ptr));
    std::string import_key;
    for (const char* k : {"import_playbook", "ansible.builtin.import_playbook", "include"}) {
      if (entry.contains(k)) import_key = k;
    }
    if (!import_key.empty()) {
      if (auto ok = ImportPlaybook(s, entry, ptr, import_key, book); !ok) return ok;
      continue;
    }
    auto play = LoadPlay(s, entry, ptr, fs::path(path).parent_path().string());
    if (!play) return std::unexpected(play.error());
    book.plays.push_back(std::move(*play));
  }
  state_.Leave();
  return {};
}

// The imported plays are added in place; the import's tags are added to each.
Expected<void> PlayLoader::ImportPlaybook(const YamlSource& s, const Json& entry,
                                          const std::string& ptr, const std::string& import_key,
                                          Playbook& book) {
  const Json& target = entry[import_key];
  Location where = s.At(Pointer(ptr, import_key));
  if (!target.is_string()) return Fail("import_playbook needs a file name", where);
  std::string file = target.get<std::string>();
  fs::path p = fs::path(s.path).parent_path() / file;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) return Fail(fmt::format("playbook '{}' not found", file), where);
  size_t first = book.plays.size();
  if (auto ok = LoadPlays(p.string(), where, book); !ok) return ok;
  auto extra = ToStringList(entry.value("tags", Json()), true);
  for (size_t j = first; j < book.plays.size(); ++j) {
    for (const auto& t : extra) book.plays[j].tags.push_back(t);
  }
  return {};
}

Expected<Play> PlayLoader::LoadPlay(const YamlSource& s, const Json& p, const std::string& ptr,
                                    const std::string& dir) {
  Play play;
  play.where = s.At(ptr);
  play.playbook_dir = fs::absolute(dir.empty() ? "." : dir).lexically_normal().string();
  if (!play.playbook_dir.empty() && play.playbook_dir.back() == '/') play.playbook_dir.pop_back();
  if (auto ok = CheckKeywords(s, p, ptr, PlayKeywords(), "play"); !ok) {
    return std::unexpected(ok.error());
  }
  if (!p.contains("hosts")) return Fail("the play has no 'hosts'", play.where);
  play.hosts = PlayHosts(p["hosts"]);
  play.name = p.contains("name") && p["name"].is_string() ? p["name"].get<std::string>() : "";
  if (play.name.empty()) play.name = play.hosts;
  if (auto ok = ReadPlayKeywords(s, p, ptr, play); !ok) return std::unexpected(ok.error());
  roles_.SetPlay(&play);
  auto loaded = LoadSections(s, p, ptr, play);
  roles_.SetPlay(nullptr);
  if (!loaded) return std::unexpected(loaded.error());
  return play;
}

Expected<void> PlayLoader::ReadPlayKeywords(const YamlSource& s, const Json& p,
                                            const std::string& ptr, Play& play) {
  ReadVarsKeywords(p, play);
  if (auto ok = ReadStrategy(s, p, ptr, play); !ok) return ok;
  CopyRunTimeKeywords(p, play);
  return {};
}

Expected<void> PlayLoader::LoadSections(const YamlSource& s, const Json& p,
                                        const std::string& ptr, Play& play) {
  if (auto ok = LoadSection(s, p, ptr, "pre_tasks", play.pre_tasks, false); !ok) return ok;
  if (auto ok = LoadRoles(s, p, ptr, play); !ok) return ok;
  if (auto ok = LoadSection(s, p, ptr, "tasks", play.tasks, false); !ok) return ok;
  if (auto ok = LoadSection(s, p, ptr, "post_tasks", play.post_tasks, false); !ok) return ok;
  if (auto ok = LoadSection(s, p, ptr, "handlers", play.handlers, true); !ok) return ok;
  // The play's keywords reach its tasks as a block's do; module_defaults
  // stay the play's (RenderArgs reads them), so the carrier does not copy them.
  Task carrier = KeywordsFrom(p);
  carrier.module_defaults = Json();
  carrier.notify.clear();
  carrier.tags = play.tags;
  play.keywords = carrier;
  for (auto* list : {&play.pre_tasks, &play.tasks, &play.post_tasks, &play.handlers}) {
    for (auto& t : *list) Inherit(carrier, t);
  }
  return {};
}

Expected<void> PlayLoader::LoadSection(const YamlSource& s, const Json& p, const std::string& ptr,
                                       const char* key, std::vector<Task>& out, bool handler) {
  if (!p.contains(key) || p[key].is_null()) return {};
  auto ctx = WithCollections(TaskContext{&s, nullptr, handler}, p, ptr);
  if (!ctx) return std::unexpected(ctx.error());
  auto tasks = tasks_.LoadList(*ctx, p[key], Pointer(ptr, key));
  if (!tasks) return std::unexpected(tasks.error());
  for (auto& t : *tasks) out.push_back(std::move(t));
  return {};
}

Expected<void> PlayLoader::LoadRoles(const YamlSource& s, const Json& p, const std::string& ptr,
                                     Play& play) {
  if (!p.contains("roles") || p["roles"].is_null()) return {};
  std::string roles_ptr = Pointer(ptr, "roles");
  if (!p["roles"].is_array()) return Fail("'roles' must be a list", s.At(roles_ptr));
  TaskContext ctx{&s, nullptr, false};
  for (size_t i = 0; i < p["roles"].size(); ++i) {
    auto ok = roles_.AddPlayRole(ctx, p["roles"][i], Pointer(roles_ptr, i), play.tasks);
    if (!ok) return ok;
  }
  return {};
}

}  // namespace tend
