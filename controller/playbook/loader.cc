#include "controller/playbook/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "controller/playbook/module_names.h"
#include "controller/template/template.h"
#include "controller/yaml/yaml.h"
#include "core/suggest.h"
#include "modules/framework/registry.h"

namespace tend {
namespace fs = std::filesystem;

namespace {

// with_<name>: the executor's own loops (items, flattened) and every lookup.
std::vector<std::string> LoopNames() {
  std::vector<std::string> names{"items", "flattened"};
  for (const auto& lookup : BuiltinLookups()) names.push_back(lookup.name);
  return names;
}

// `with_community.general.filetree` names the same lookup as `with_filetree`.
bool IsKnownLoop(const std::string& kind) {
  static const std::vector<std::string> kNames = LoopNames();
  return std::find(kNames.begin(), kNames.end(), LookupShortName(kind)) != kNames.end();
}

const std::vector<std::string> kTaskKeywords = {"name",
                                                "when",
                                                "loop",
                                                "loop_control",
                                                "register",
                                                "notify",
                                                "listen",
                                                "tags",
                                                "vars",
                                                "args",
                                                "become",
                                                "become_user",
                                                "become_method",
                                                "become_flags",
                                                "become_exe",
                                                "changed_when",
                                                "failed_when",
                                                "until",
                                                "retries",
                                                "delay",
                                                "ignore_errors",
                                                "ignore_unreachable",
                                                "delegate_to",
                                                "delegate_facts",
                                                "run_once",
                                                "check_mode",
                                                "diff",
                                                "no_log",
                                                "environment",
                                                "throttle",
                                                "timeout",
                                                "any_errors_fatal",
                                                "connection",
                                                "remote_user",
                                                "module_defaults",
                                                "collections",
                                                "debugger",
                                                "poll",
                                                "async",
                                                "action",
                                                "local_action",
                                                "port",
                                                "block",
                                                "rescue",
                                                "always"};

const std::vector<std::string> kPlayKeywords = {"hosts",
                                                "name",
                                                "vars",
                                                "vars_files",
                                                "vars_prompt",
                                                "gather_facts",
                                                "gather_subset",
                                                "gather_timeout",
                                                "fact_path",
                                                "become",
                                                "become_user",
                                                "become_method",
                                                "become_flags",
                                                "become_exe",
                                                "remote_user",
                                                "connection",
                                                "serial",
                                                "strategy",
                                                "order",
                                                "max_fail_percentage",
                                                "any_errors_fatal",
                                                "ignore_unreachable",
                                                "ignore_errors",
                                                "force_handlers",
                                                "pre_tasks",
                                                "roles",
                                                "tasks",
                                                "post_tasks",
                                                "handlers",
                                                "environment",
                                                "module_defaults",
                                                "tags",
                                                "check_mode",
                                                "diff",
                                                "no_log",
                                                "collections",
                                                "port",
                                                "run_once",
                                                "throttle",
                                                "timeout",
                                                "debugger"};

// Keywords of a `roles:` entry that belong to the tasks, not to the role's params.
const std::set<std::string> kRoleEntryKeywords = {
    "when",        "tags",        "become",        "become_user",        "become_method",
    "environment", "delegate_to", "ignore_errors", "any_errors_fatal",   "check_mode",
    "diff",        "no_log",      "run_once",      "ignore_unreachable", "throttle",
    "timeout",     "vars",        "connection",    "remote_user"};

bool Contains(const std::vector<std::string>& list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

std::string Pointer(const std::string& base, std::string_view key) {
  std::string out = base + "/";
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string Pointer(const std::string& base, size_t index) {
  return base + "/" + std::to_string(index);
}

// Turns a scalar condition (`when: true`) into the expression text Jinja reads.
std::string ConditionText(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "None";
  return v.dump();
}

std::vector<std::string> Conditions(const Json& v) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const auto& c : v) out.push_back(ConditionText(c));
  } else if (!v.is_null()) {
    out.push_back(ConditionText(v));
  }
  return out;
}

// One loaded YAML file and where its nodes came from.
struct Source {
  std::string path;
  Json doc;
  YamlMarks marks;

  Location At(const std::string& pointer) const { return marks.Find(pointer); }
};

Expected<std::shared_ptr<Source>> ReadSource(const std::string& path) {
  auto src = std::make_shared<Source>();
  src->path = path;
  auto doc = LoadYamlFile(path, &src->marks);
  if (!doc) return std::unexpected(doc.error());
  src->doc = std::move(*doc);
  return src;
}

std::string FirstExisting(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".yml", ".yaml", ""}) {
    std::string p = dir + "/" + stem + ext;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return {};
}

Json MergeVarsList(const Json& v) {
  if (!v.is_array()) return v.is_object() ? v : Json::object();
  Json out = Json::object();
  for (const auto& item : v) {
    if (item.is_object()) {
      for (const auto& [k, val] : item.items()) out[k] = val;
    }
  }
  return out;
}

// Pushes a parent's keywords down to a child, as block/import/role
// inheritance does: conditions AND, tags union, vars merge (child wins),
// other keywords fill in where the child has none.
void Inherit(const Task& parent, Task& child) {
  if (!parent.when.empty()) {
    child.when.insert(child.when.begin(), parent.when.begin(), parent.when.end());
  }
  for (const auto& t : parent.tags) {
    if (!Contains(child.tags, t)) child.tags.push_back(t);
  }
  for (const auto& [k, v] : parent.vars.items()) {
    if (!child.vars.contains(k)) child.vars[k] = v;
  }
  auto fill = [](const Json& from, Json& to) {
    if (to.is_null() && !from.is_null()) to = from;
  };
  fill(parent.ignore_errors, child.ignore_errors);
  fill(parent.ignore_unreachable, child.ignore_unreachable);
  fill(parent.delegate_to, child.delegate_to);
  fill(parent.run_once, child.run_once);
  fill(parent.check_mode, child.check_mode);
  fill(parent.diff, child.diff);
  fill(parent.no_log, child.no_log);
  fill(parent.environment, child.environment);
  fill(parent.become, child.become);
  fill(parent.become_user, child.become_user);
  fill(parent.become_method, child.become_method);
  fill(parent.throttle, child.throttle);
  fill(parent.timeout, child.timeout);
  fill(parent.any_errors_fatal, child.any_errors_fatal);
  if (child.role == nullptr) child.role = parent.role;
  for (auto* list : {&child.block, &child.rescue, &child.always}) {
    for (auto& grandchild : *list) Inherit(parent, grandchild);
  }
}

// Fields a `roles:` entry, an import or a block hands down to its tasks.
Task InheritedFrom(const Json& entry) {
  Task t;
  if (entry.contains("when")) t.when = Conditions(entry["when"]);
  if (entry.contains("tags")) t.tags = ToStringList(entry["tags"], true);
  if (entry.contains("vars")) t.vars = MergeVarsList(entry["vars"]);
  auto get = [&](const char* key) { return entry.contains(key) ? entry[key] : Json(); };
  t.ignore_errors = get("ignore_errors");
  t.ignore_unreachable = get("ignore_unreachable");
  t.delegate_to = get("delegate_to");
  t.run_once = get("run_once");
  t.check_mode = get("check_mode");
  t.diff = get("diff");
  t.no_log = get("no_log");
  t.environment = get("environment");
  t.become = get("become");
  t.become_user = get("become_user");
  t.become_method = get("become_method");
  t.throttle = get("throttle");
  t.timeout = get("timeout");
  t.any_errors_fatal = get("any_errors_fatal");
  return t;
}

}  // namespace

std::vector<std::string> ToStringList(const Json& value, bool split_commas) {
  std::vector<std::string> out;
  auto add = [&](const std::string& s) {
    if (!split_commas) {
      out.push_back(s);
      return;
    }
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      std::string part = s.substr(start, comma == std::string::npos ? comma : comma - start);
      part.erase(0, part.find_first_not_of(" \t"));
      part.erase(part.find_last_not_of(" \t") + 1);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  };
  if (value.is_array()) {
    for (const auto& v : value) add(v.is_string() ? v.get<std::string>() : v.dump());
  } else if (value.is_string()) {
    add(value.get<std::string>());
  } else if (!value.is_null()) {
    add(value.dump());
  }
  return out;
}

namespace {

// Splits on spaces outside quotes and outside {{ }} / {% %}; keeps quotes.
std::vector<std::pair<size_t, size_t>> SplitArgs(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> tokens;
  size_t i = 0, n = text.size();
  while (i < n) {
    while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n')) ++i;
    if (i >= n) break;
    size_t start = i;
    char quote = 0;
    int depth = 0;
    while (i < n) {
      char c = text[i];
      if (depth == 0 && quote == 0 && (c == ' ' || c == '\t' || c == '\n')) break;
      if (i + 1 < n && c == '{' && (text[i + 1] == '{' || text[i + 1] == '%')) {
        ++depth;
        i += 2;
        continue;
      }
      if (depth > 0 && i + 1 < n && (c == '}' || c == '%') && text[i + 1] == '}') {
        --depth;
        i += 2;
        continue;
      }
      if (depth == 0) {
        if (c == '\\' && i + 1 < n) {
          i += 2;
          continue;
        }
        if (quote == 0 && (c == '"' || c == '\''))
          quote = c;
        else if (quote == c)
          quote = 0;
      }
      ++i;
    }
    tokens.emplace_back(start, i);
  }
  return tokens;
}

std::string Unquote(std::string_view v) {
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size() && (v[i + 1] == v.front() || v[i + 1] == '\\')) ++i;
      out += v[i];
    }
    return out;
  }
  return std::string(v);
}

bool IsKeyToken(std::string_view token, std::string* key, std::string* value) {
  size_t eq = token.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  std::string_view k = token.substr(0, eq);
  for (char c : k) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  *key = std::string(k);
  *value = std::string(token.substr(eq + 1));
  return true;
}

Json KeyValue(const std::string& raw) {
  std::string v = Unquote(raw);
  if (v.size() != raw.size()) return Json(v);  // quoted: a string
  Json resolved = ResolvePlainScalar(v);
  return resolved.is_boolean() ? resolved : Json(v);
}

}  // namespace

Expected<Json> ParseKeyValueArgs(std::string_view text, bool allow_raw) {
  Json out = Json::object();
  std::string raw;
  for (auto [b, e] : SplitArgs(text)) {
    std::string_view token = text.substr(b, e - b);
    std::string key, value;
    if (IsKeyToken(token, &key, &value)) {
      out[key] = KeyValue(value);
    } else if (allow_raw) {
      if (!raw.empty()) raw += ' ';
      raw += token;
    } else {
      return Fail(fmt::format("expected key=value arguments, got '{}'", token));
    }
  }
  if (!raw.empty()) out["_raw_params"] = raw;
  return out;
}

Json ParseFreeFormCommand(std::string_view text) {
  static const std::set<std::string> kKeys = {
      "creates",           "removes",          "chdir", "executable", "warn", "stdin",
      "stdin_add_newline", "strip_empty_ends", "argv"};
  Json out = Json::object();
  std::string raw;
  size_t raw_start = std::string_view::npos, raw_end = 0;
  for (auto [b, e] : SplitArgs(text)) {
    std::string_view token = text.substr(b, e - b);
    std::string key, value;
    if (IsKeyToken(token, &key, &value) && kKeys.contains(key)) {
      out[key] = KeyValue(value);
      continue;
    }
    if (raw_start == std::string_view::npos) raw_start = b;
    if (!raw.empty() || raw_end != 0) {
      raw += text.substr(raw_end, b - raw_end);  // keep the original spacing
    }
    raw += token;
    raw_end = e;
  }
  out["_raw_params"] = raw;
  return out;
}

struct PlaybookLoader::Impl {
  LoadOptions options;
  std::string playbook_dir;
  std::vector<std::string> file_stack;  // files being loaded, for recursion checks
  std::mutex mutex;                     // guards the caches during run-time includes
  std::map<std::string, std::unique_ptr<std::vector<Task>>> task_cache;
  std::vector<std::shared_ptr<Role>> runtime_roles;
  Play* play = nullptr;  // the play whose roles are being loaded
  std::vector<std::string> role_stack;

  struct Ctx {
    const Source* src;
    const Role* role;
    bool handler;
  };

  Expected<void> Enter(const std::string& path, const Location& where, const char* what) {
    std::string canonical = fs::weakly_canonical(path).string();
    if (std::find(file_stack.begin(), file_stack.end(), canonical) != file_stack.end()) {
      return Fail(fmt::format("recursive {} of '{}'", what, path), where);
    }
    file_stack.push_back(canonical);
    return {};
  }
  void Leave() { file_stack.pop_back(); }

  Expected<Playbook> LoadPlaybook(const std::string& path) {
    Playbook book;
    book.path = path;
    playbook_dir = fs::absolute(path).parent_path().string();
    if (auto ok = LoadPlays(path, Location{}, book); !ok) return std::unexpected(ok.error());
    return book;
  }

  Expected<void> LoadPlays(const std::string& path, const Location& where, Playbook& book) {
    if (auto ok = Enter(path, where, "import_playbook"); !ok) return ok;
    auto src = ReadSource(path);
    if (!src) return std::unexpected(src.error());
    const Source& s = **src;
    if (s.doc.is_null()) {
      Leave();
      return {};
    }
    if (!s.doc.is_array()) {
      return Fail("a playbook must be a list of plays", s.At(""));
    }
    for (size_t i = 0; i < s.doc.size(); ++i) {
      std::string ptr = Pointer("", i);
      const Json& entry = s.doc[i];
      if (!entry.is_object()) return Fail("a play must be a mapping", s.At(ptr));
      std::string import_key;
      for (const char* k : {"import_playbook", "ansible.builtin.import_playbook", "include"}) {
        if (entry.contains(k)) import_key = k;
      }
      if (!import_key.empty()) {
        const Json& target = entry[import_key];
        if (!target.is_string()) {
          return Fail("import_playbook needs a file name", s.At(Pointer(ptr, import_key)));
        }
        std::string file = target.get<std::string>();
        fs::path p = fs::path(path).parent_path() / file;
        std::error_code ec;
        if (!fs::is_regular_file(p, ec)) {
          return Fail(fmt::format("playbook '{}' not found", file), s.At(Pointer(ptr, import_key)));
        }
        size_t first = book.plays.size();
        if (auto ok = LoadPlays(p.string(), s.At(Pointer(ptr, import_key)), book); !ok) return ok;
        auto extra = ToStringList(entry.value("tags", Json()), true);
        for (size_t j = first; j < book.plays.size(); ++j) {
          for (const auto& t : extra) book.plays[j].tags.push_back(t);
        }
        continue;
      }
      auto play = LoadPlay(s, entry, ptr, fs::path(path).parent_path().string());
      if (!play) return std::unexpected(play.error());
      book.plays.push_back(std::move(*play));
    }
    Leave();
    return {};
  }

  Expected<Play> LoadPlay(const Source& s, const Json& p, const std::string& ptr,
                          const std::string& dir) {
    Play play;
    play.where = s.At(ptr);
    play.playbook_dir = fs::absolute(dir.empty() ? "." : dir).lexically_normal().string();
    if (!play.playbook_dir.empty() && play.playbook_dir.back() == '/') play.playbook_dir.pop_back();
    for (const auto& [key, value] : p.items()) {
      if (!Contains(kPlayKeywords, key)) {
        return Fail(
            fmt::format("unknown play keyword '{}'{}", key, SuggestionSuffix(key, kPlayKeywords)),
            s.At(Pointer(ptr, key)));
      }
    }
    if (!p.contains("hosts")) return Fail("the play has no 'hosts'", play.where);
    const Json& hosts = p["hosts"];
    if (hosts.is_array()) {
      for (const auto& h : ToStringList(hosts, false)) {
        play.hosts += (play.hosts.empty() ? "" : ",") + h;
      }
    } else {
      play.hosts = hosts.is_string() ? hosts.get<std::string>() : hosts.dump();
    }
    play.name = p.contains("name") && p["name"].is_string() ? p["name"].get<std::string>() : "";
    if (play.name.empty()) play.name = play.hosts;
    auto get = [&](const char* key) { return p.contains(key) ? p[key] : Json(); };
    play.vars = MergeVarsList(get("vars"));
    for (const auto& f : get("vars_files").is_array() ? get("vars_files") : Json::array()) {
      play.vars_files.push_back(f.is_string() ? f.get<std::string>() : f.dump());
    }
    if (get("vars_files").is_string())
      play.vars_files.push_back(get("vars_files").get<std::string>());
    for (const auto& vp : get("vars_prompt").is_array() ? get("vars_prompt") : Json::array()) {
      VarPrompt prompt;
      prompt.name = vp.value("name", "");
      prompt.prompt = vp.value("prompt", prompt.name);
      prompt.default_value = vp.value("default", Json());
      prompt.is_private = vp.value("private", true);
      play.vars_prompt.push_back(std::move(prompt));
    }
    if (p.contains("gather_facts")) play.gather_facts = p["gather_facts"];
    play.gather_subset = get("gather_subset");
    play.become = get("become");
    play.become_user = get("become_user");
    play.become_method = get("become_method");
    play.remote_user = get("remote_user");
    play.connection = get("connection");
    play.serial = get("serial");
    if (p.contains("strategy")) {
      play.strategy = p["strategy"].is_string() ? p["strategy"].get<std::string>() : "";
      if (play.strategy != "linear" && play.strategy != "free" && play.strategy != "debug") {
        return Fail(fmt::format("unknown strategy '{}'{}", play.strategy,
                                SuggestionSuffix(play.strategy, {"linear", "free"})),
                    s.At(Pointer(ptr, "strategy")));
      }
      if (play.strategy == "debug") play.strategy = "linear";
    }
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
    this->play = &play;
    Ctx ctx{&s, nullptr, false};

    auto section = [&](const char* key, std::vector<Task>& out, bool handler) -> Expected<void> {
      if (!p.contains(key) || p[key].is_null()) return {};
      Ctx c{&s, nullptr, handler};
      auto tasks = LoadTaskList(c, p[key], Pointer(ptr, key));
      if (!tasks) return std::unexpected(tasks.error());
      for (auto& t : *tasks) out.push_back(std::move(t));
      return {};
    };
    if (auto ok = section("pre_tasks", play.pre_tasks, false); !ok) return Unexpect(ok);
    if (p.contains("roles") && !p["roles"].is_null()) {
      if (!p["roles"].is_array())
        return Fail("'roles' must be a list", s.At(Pointer(ptr, "roles")));
      for (size_t i = 0; i < p["roles"].size(); ++i) {
        auto ok = AddPlayRole(ctx, p["roles"][i], Pointer(Pointer(ptr, "roles"), i), play.tasks);
        if (!ok) return Unexpect(ok);
      }
    }
    if (auto ok = section("tasks", play.tasks, false); !ok) return Unexpect(ok);
    if (auto ok = section("post_tasks", play.post_tasks, false); !ok) return Unexpect(ok);
    if (auto ok = section("handlers", play.handlers, true); !ok) return Unexpect(ok);
    if (!play.tags.empty()) {
      Task carrier;
      carrier.tags = play.tags;
      for (auto* list : {&play.pre_tasks, &play.tasks, &play.post_tasks, &play.handlers}) {
        for (auto& t : *list) Inherit(carrier, t);
      }
    }
    this->play = nullptr;
    return play;
  }

  static std::unexpected<Error> Unexpect(const Expected<void>& e) {
    return std::unexpected(e.error());
  }

  static bool ResolveBool(const Json& v) {
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_string()) {
      Json r = ResolvePlainScalar(v.get<std::string>());
      return r.is_boolean() && r.get<bool>();
    }
    if (v.is_number()) return v.get<double>() != 0;
    return false;
  }

  Expected<std::vector<Task>> LoadTaskList(const Ctx& ctx, const Json& list,
                                           const std::string& ptr) {
    std::vector<Task> out;
    if (list.is_null()) return out;
    if (!list.is_array()) {
      return Fail("a list of tasks was expected", ctx.src->At(ptr));
    }
    for (size_t i = 0; i < list.size(); ++i) {
      auto task = LoadTask(ctx, list[i], Pointer(ptr, i));
      if (!task) return std::unexpected(task.error());
      out.push_back(std::move(*task));
    }
    return out;
  }

  Expected<Task> LoadTask(const Ctx& ctx, const Json& t, const std::string& ptr) {
    const Source& s = *ctx.src;
    if (!t.is_object()) return Fail("a task must be a mapping", s.At(ptr));
    Task task;
    task.where = s.At(ptr);
    task.file = s.path;
    task.role = ctx.role;
    if (t.contains("block")) return LoadBlock(ctx, t, ptr);

    Json action_args;
    std::string action_key;
    std::vector<std::string> unknown;
    for (const auto& [key, value] : t.items()) {
      if (key.starts_with("with_")) {
        task.loop_kind = key.substr(5);
        task.loop = value;
        if (!IsKnownLoop(task.loop_kind)) {
          return Fail(fmt::format("unknown loop '{}': no lookup plugin named '{}'{}", key,
                                  task.loop_kind, SuggestionSuffix(task.loop_kind, LoopNames())),
                      s.At(Pointer(ptr, key)));
        }
        continue;
      }
      if (Contains(kTaskKeywords, key)) continue;
      std::string canonical = CanonicalActionName(key);
      if (IsKnownAction(canonical)) {
        if (!action_key.empty()) {
          return Fail(fmt::format("conflicting action statements: {}, {}", action_key, key),
                      s.At(Pointer(ptr, key)));
        }
        action_key = key;
        task.action = canonical;
        action_args = value;
        continue;
      }
      unknown.push_back(key);
    }
    for (const char* key : {"action", "local_action"}) {
      if (!t.contains(key)) continue;
      if (!action_key.empty()) {
        return Fail(fmt::format("conflicting action statements: {}, {}", action_key, key),
                    s.At(Pointer(ptr, key)));
      }
      auto parsed = ParseActionKeyword(t[key], s.At(Pointer(ptr, key)));
      if (!parsed) return std::unexpected(parsed.error());
      action_key = key;
      task.action = parsed->first;
      action_args = parsed->second;
      if (std::string_view(key) == "local_action") task.delegate_to = "localhost";
    }
    if (!unknown.empty()) return UnknownKey(s, unknown.front(), ptr, !action_key.empty());
    if (action_key.empty()) {
      return Fail("no module or action in task", task.where);
    }
    auto args = ActionArgs(task.action, action_args, s.At(Pointer(ptr, action_key)));
    if (!args) return std::unexpected(args.error());
    task.args = std::move(*args);
    if (t.contains("args")) {
      Json extra = t["args"];
      if (!extra.is_object()) return Fail("'args' must be a mapping", s.At(Pointer(ptr, "args")));
      for (const auto& [k, v] : extra.items()) {
        if (!task.args.contains(k)) task.args[k] = v;
      }
    }
    if (auto ok = ReadTaskKeywords(ctx, t, ptr, task); !ok) return std::unexpected(ok.error());
    // Arguments without templates are checked against the module's spec now,
    // so a typo fails before any host is touched; the rest after rendering.
    if (FindModuleSpec(task.action) != nullptr &&
        task.args.dump().find("{{") == std::string::npos) {
      if (auto ok = ValidateModuleArgs(task.action, PrepareActionArgs(task.action, task.args)); !ok) {
        return Fail(ok.error().message, task.where);
      }
    }
    if (task.action == "import_tasks") return ImportTasks(ctx, task);
    if (task.action == "import_role") return ImportRole(ctx, task);
    if (task.action == "include_tasks") {
      if (auto ok = PreloadInclude(ctx, task); !ok) return std::unexpected(ok.error());
    }
    return task;
  }

  Expected<std::pair<std::string, Json>> ParseActionKeyword(const Json& v, const Location& where) {
    if (v.is_object()) {
      Json args = v;
      std::string module = args.value("module", "");
      if (module.empty()) return Fail("'action' needs a module", where);
      args.erase("module");
      std::string canonical = CanonicalActionName(module);
      if (!IsKnownAction(canonical)) return UnknownModule(module, where);
      return std::make_pair(canonical, args);
    }
    if (!v.is_string()) return Fail("'action' needs a module", where);
    std::string text = v.get<std::string>();
    size_t space = text.find_first_of(" \t");
    std::string module = text.substr(0, space);
    std::string canonical = CanonicalActionName(module);
    if (!IsKnownAction(canonical)) return UnknownModule(module, where);
    std::string rest = space == std::string::npos ? "" : text.substr(space + 1);
    return std::make_pair(canonical, Json(rest));
  }

  std::unexpected<Error> UnknownModule(const std::string& name, const Location& where) {
    std::string canonical = CanonicalActionName(name);
    return Fail(
        fmt::format("unknown module '{}'{}", name, SuggestionSuffix(canonical, KnownActionNames())),
        where);
  }

  std::unexpected<Error> UnknownKey(const Source& s, const std::string& key, const std::string& ptr,
                                    bool has_action) {
    std::string keyword = Suggest(key, kTaskKeywords);
    std::string module = Suggest(CanonicalActionName(key), KnownActionNames());
    if (has_action || (!keyword.empty() && module.empty())) {
      return Fail(fmt::format("unknown task keyword '{}'{}", key,
                              keyword.empty() ? "" : ", did you mean '" + keyword + "'?"),
                  s.At(ptr));
    }
    return UnknownModule(key, s.At(ptr));
  }

  Expected<Json> ActionArgs(const std::string& action, const Json& v, const Location& where) {
    if (v.is_null()) return Json::object();
    if (v.is_object()) return v;
    if (!v.is_string()) {
      if (action == "meta" || action == "include_tasks" || action == "import_tasks") {
        return Json{{"_raw_params", v.dump()}};
      }
      return Fail(fmt::format("arguments of '{}' must be a mapping or k=v text", action), where);
    }
    std::string text = v.get<std::string>();
    if (TakesFreeForm(action)) return ParseFreeFormCommand(text);
    if (action == "include_tasks" || action == "import_tasks" || action == "include_vars" ||
        action == "import_playbook") {
      auto kv = ParseKeyValueArgs(text, true);
      if (!kv) return Fail(kv.error().message, where);
      if (kv->contains("_raw_params")) {
        (*kv)["file"] = (*kv)["_raw_params"];
        kv->erase("_raw_params");
      }
      return kv;
    }
    if (action == "meta") return Json{{"_raw_params", text}};
    if (action == "include_role" || action == "import_role") {
      auto kv = ParseKeyValueArgs(text, false);
      if (!kv) return Fail(kv.error().message, where);
      return kv;
    }
    auto kv = ParseKeyValueArgs(
        text, action == "debug" || action == "set_fact" || action == "fail" || action == "pause");
    if (!kv) return Fail(kv.error().message, where);
    return kv;
  }

  Expected<void> ReadTaskKeywords(const Ctx& ctx, const Json& t, const std::string& ptr,
                                  Task& task) {
    const Source& s = *ctx.src;
    auto get = [&](const char* key) { return t.contains(key) ? t[key] : Json(); };
    if (t.contains("name")) {
      const Json& n = t["name"];
      task.name = n.is_string() ? n.get<std::string>() : n.is_null() ? "" : n.dump();
    }
    task.when = Conditions(get("when"));
    if (t.contains("loop")) {
      if (!task.loop_kind.empty()) {
        return Fail("'loop' and 'with_" + task.loop_kind + "' cannot be used together",
                    s.At(Pointer(ptr, "loop")));
      }
      task.loop_kind = "loop";
      task.loop = t["loop"];
    }
    if (t.contains("loop_control")) {
      if (!t["loop_control"].is_object()) {
        return Fail("'loop_control' must be a mapping", s.At(Pointer(ptr, "loop_control")));
      }
      task.loop_control = t["loop_control"];
    }
    if (t.contains("register")) {
      if (!t["register"].is_string()) {
        return Fail("'register' must be a variable name", s.At(Pointer(ptr, "register")));
      }
      task.register_as = t["register"];
    }
    task.notify = ToStringList(get("notify"), false);
    if (t.contains("listen")) {
      if (!ctx.handler)
        return Fail("'listen' is only valid on handlers", s.At(Pointer(ptr, "listen")));
      task.listen = ToStringList(get("listen"), false);
    }
    task.tags = ToStringList(get("tags"), true);
    if (t.contains("vars")) {
      if (!t["vars"].is_object() && !t["vars"].is_array()) {
        return Fail("'vars' must be a mapping", s.At(Pointer(ptr, "vars")));
      }
      task.vars = MergeVarsList(t["vars"]);
    }
    task.changed_when = Conditions(get("changed_when"));
    task.failed_when = Conditions(get("failed_when"));
    task.until = Conditions(get("until"));
    task.retries = get("retries");
    task.delay = get("delay");
    task.ignore_errors = get("ignore_errors");
    task.ignore_unreachable = get("ignore_unreachable");
    if (t.contains("delegate_to")) task.delegate_to = get("delegate_to");
    task.delegate_facts = get("delegate_facts");
    task.run_once = get("run_once");
    task.check_mode = get("check_mode");
    task.diff = get("diff");
    task.no_log = get("no_log");
    task.environment = get("environment");
    task.become = get("become");
    task.become_user = get("become_user");
    task.become_method = get("become_method");
    task.throttle = get("throttle");
    task.timeout = get("timeout");
    task.any_errors_fatal = get("any_errors_fatal");
    return {};
  }

  Expected<Task> LoadBlock(const Ctx& ctx, const Json& t, const std::string& ptr) {
    const Source& s = *ctx.src;
    static const std::vector<std::string> kBlockKeywords = {"name",
                                                            "block",
                                                            "rescue",
                                                            "always",
                                                            "when",
                                                            "tags",
                                                            "vars",
                                                            "become",
                                                            "become_user",
                                                            "become_method",
                                                            "become_flags",
                                                            "ignore_errors",
                                                            "ignore_unreachable",
                                                            "environment",
                                                            "any_errors_fatal",
                                                            "delegate_to",
                                                            "delegate_facts",
                                                            "check_mode",
                                                            "diff",
                                                            "no_log",
                                                            "run_once",
                                                            "module_defaults",
                                                            "throttle",
                                                            "timeout",
                                                            "collections",
                                                            "connection",
                                                            "remote_user",
                                                            "notify",
                                                            "port",
                                                            "debugger"};
    for (const auto& [key, value] : t.items()) {
      if (!Contains(kBlockKeywords, key)) {
        return Fail(
            fmt::format("unknown block keyword '{}'{}", key, SuggestionSuffix(key, kBlockKeywords)),
            s.At(Pointer(ptr, key)));
      }
    }
    Task block = InheritedFrom(t);
    block.is_block = true;
    block.where = s.At(ptr);
    block.file = s.path;
    block.role = ctx.role;
    if (t.contains("name") && t["name"].is_string()) block.name = t["name"];
    for (auto [key, list] : {std::pair{"block", &block.block}, std::pair{"rescue", &block.rescue},
                             std::pair{"always", &block.always}}) {
      if (!t.contains(key)) continue;
      auto tasks = LoadTaskList(ctx, t[key], Pointer(ptr, key));
      if (!tasks) return std::unexpected(tasks.error());
      *list = std::move(*tasks);
    }
    // Keywords of the block apply to each task inside it.
    Task carrier = block;
    carrier.block.clear();
    carrier.rescue.clear();
    carrier.always.clear();
    for (auto* list : {&block.block, &block.rescue, &block.always}) {
      for (auto& child : *list) Inherit(carrier, child);
    }
    return block;
  }

  std::string IncludeFileArg(const Task& task) {
    const Json& f =
        task.args.contains("file") ? task.args["file"] : task.args.value("_raw_params", Json());
    return f.is_string() ? f.get<std::string>() : "";
  }

  Expected<Task> ImportTasks(const Ctx& ctx, const Task& import) {
    std::string name = IncludeFileArg(import);
    if (name.empty()) return Fail("import_tasks needs a file name", import.where);
    if (name.find("{{") != std::string::npos) {
      return Fail("import_tasks cannot use variables in the file name; use include_tasks",
                  import.where);
    }
    std::string path = ResolveTaskFile(name, ctx.src->path, ctx.role, playbook_dir);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      return Fail(fmt::format("task file '{}' not found", name), import.where);
    }
    auto tasks = LoadTaskFile(path, ctx.role, import.where, "import_tasks", ctx.handler);
    if (!tasks) return std::unexpected(tasks.error());
    Task block = import;
    block.action.clear();
    block.args = Json::object();
    block.is_block = true;
    block.block = std::move(*tasks);
    Task carrier = import;
    for (auto& child : block.block) Inherit(carrier, child);
    block.when.clear();  // already pushed into each child
    block.tags.clear();
    return block;
  }

  Expected<std::vector<Task>> LoadTaskFile(const std::string& path, const Role* role,
                                           const Location& where, const char* what, bool handler) {
    if (auto ok = Enter(path, where, what); !ok) return std::unexpected(ok.error());
    auto src = ReadSource(path);
    if (!src) return std::unexpected(src.error());
    Ctx c{src->get(), role, handler};
    auto tasks = LoadTaskList(c, (*src)->doc, "");
    Leave();
    return tasks;
  }

  // Dynamic includes with a plain file name are read now too, so a missing file,
  // bad YAML or a recursive include is reported before any host is touched.
  Expected<void> PreloadInclude(const Ctx& ctx, const Task& task) {
    std::string name = IncludeFileArg(task);
    if (name.empty() || name.find("{{") != std::string::npos) return {};
    std::string path = ResolveTaskFile(name, ctx.src->path, ctx.role, playbook_dir);
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return {};  // may be created by an earlier task
    std::string key = fs::weakly_canonical(path).string();
    if (task_cache.contains(key)) return {};
    auto tasks = LoadTaskFile(path, ctx.role, task.where, "include_tasks", ctx.handler);
    if (!tasks) return std::unexpected(tasks.error());
    task_cache[key] = std::make_unique<std::vector<Task>>(std::move(*tasks));
    return {};
  }

  // --- roles -------------------------------------------------------------

  std::vector<std::string> RoleSearchPath(const std::string& from_dir) {
    std::vector<std::string> dirs;
    if (!from_dir.empty()) dirs.push_back(from_dir);
    dirs.push_back(playbook_dir + "/roles");
    for (const auto& p : options.roles_path) dirs.push_back(p);
    dirs.push_back(playbook_dir);
    return dirs;
  }

  Expected<std::string> FindRole(const std::string& name, const std::string& from_dir,
                                 const Location& where) {
    std::error_code ec;
    if (name.find('/') != std::string::npos) {
      fs::path p = fs::path(name).is_absolute() ? fs::path(name) : fs::path(playbook_dir) / name;
      if (fs::is_directory(p, ec)) return p.lexically_normal().string();
    }
    std::vector<std::string> dirs = RoleSearchPath(from_dir);
    for (const auto& d : dirs) {
      fs::path p = fs::path(d) / name;
      if (fs::is_directory(p, ec)) return p.lexically_normal().string();
    }
    std::string joined;
    for (const auto& d : dirs) joined += (joined.empty() ? "" : ":") + d;
    return Fail(fmt::format("the role '{}' was not found in {}", name, joined), where);
  }

  Expected<Json> LoadVarsFile(const std::string& dir, const std::string& stem,
                              const Location& where, bool required) {
    std::string file = FirstExisting(dir, stem);
    if (file.empty()) {
      if (required) return Fail(fmt::format("'{}' not found in {}", stem, dir), where);
      return Json::object();
    }
    auto doc = LoadYamlFile(file);
    if (!doc) return std::unexpected(doc.error());
    if (doc->is_null()) return Json::object();
    if (!doc->is_object()) return Fail("a vars file must hold a mapping", Location{file, 1, 1});
    return *doc;
  }

  struct RoleRequest {
    std::string name;
    Json params = Json::object();
    Json entry = Json::object();  // task keywords from the roles: entry
    std::string tasks_from = "main", vars_from = "main", defaults_from = "main",
                handlers_from = "main";
  };

  Expected<std::shared_ptr<Role>> BuildRole(const RoleRequest& req, const std::string& from_dir,
                                            const Location& where, bool with_handlers) {
    auto path = FindRole(req.name, from_dir, where);
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
    std::string tasks_file = FirstExisting(*path + "/tasks", req.tasks_from);
    if (tasks_file.empty() && req.tasks_from != "main") {
      return Fail(fmt::format("tasks file '{}' not found in role '{}'", req.tasks_from, req.name),
                  where);
    }
    if (!tasks_file.empty()) {
      auto tasks = LoadTaskFile(tasks_file, role.get(), where, "role", false);
      if (!tasks) return std::unexpected(tasks.error());
      role->tasks = std::move(*tasks);
    }
    std::string handlers_file = FirstExisting(*path + "/handlers", req.handlers_from);
    if (with_handlers && !handlers_file.empty()) {
      auto handlers = LoadTaskFile(handlers_file, role.get(), where, "role", true);
      if (!handlers) return std::unexpected(handlers.error());
      role->handlers = std::move(*handlers);
    }
    for (auto* list : {&role->tasks, &role->handlers}) SetRole(*list, role.get());
    return role;
  }

  static void SetRole(std::vector<Task>& tasks, const Role* role) {
    for (auto& t : tasks) {
      t.role = role;
      SetRole(t.block, role);
      SetRole(t.rescue, role);
      SetRole(t.always, role);
    }
  }

  Expected<RoleRequest> ParseRoleEntry(const Source& s, const Json& entry, const std::string& ptr) {
    RoleRequest req;
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
      if (kRoleEntryKeywords.contains(k))
        req.entry[k] = v;
      else
        req.params[k] = v;
    }
    return req;
  }

  // Adds a role (dependencies first) to the play: its tasks to `out`, its
  // handlers to the play's handlers. A role already added with the same params
  // runs once unless it allows duplicates.
  Expected<void> AddRole(const RoleRequest& req, const std::string& from_dir, const Location& where,
                         std::vector<Task>& out, const Task& inherited) {
    if (std::find(role_stack.begin(), role_stack.end(), req.name) != role_stack.end()) {
      return Fail(fmt::format("recursive role dependency on '{}'", req.name), where);
    }
    auto role = BuildRole(req, from_dir, where, true);
    if (!role) return std::unexpected(role.error());
    auto meta = LoadVarsFile((*role)->path + "/meta", "main", where, false);
    if (!meta) return std::unexpected(meta.error());
    (*role)->allow_duplicates = ResolveBool(meta->value("allow_duplicates", Json(false)));
    role_stack.push_back(req.name);
    const Json deps = meta->value("dependencies", Json::array());
    std::string parent_dir = fs::path((*role)->path).parent_path().string();
    for (const auto& dep : deps.is_array() ? deps : Json::array()) {
      Source meta_src;
      meta_src.path = FirstExisting((*role)->path + "/meta", "main");
      auto dreq = ParseRoleEntry(meta_src, dep, "");
      if (!dreq) return std::unexpected(Error{dreq.error().message, Location{meta_src.path}, ""});
      Task dep_inherited = InheritedFrom(dreq->entry);
      Inherit(inherited, dep_inherited);
      auto ok = AddRole(*dreq, parent_dir, Location{meta_src.path}, out, dep_inherited);
      if (!ok) return ok;
    }
    role_stack.pop_back();
    for (const auto& existing : play->roles) {
      if (existing->path == (*role)->path && existing->params == (*role)->params &&
          !(*role)->allow_duplicates) {
        return {};
      }
    }
    play->roles.push_back(*role);
    (*role)->tags = inherited.tags;
    for (auto t : (*role)->tasks) {
      Inherit(inherited, t);
      out.push_back(std::move(t));
    }
    for (auto h : (*role)->handlers) {
      Inherit(inherited, h);
      play->handlers.push_back(std::move(h));
    }
    return {};
  }

  Expected<void> AddPlayRole(const Ctx& ctx, const Json& entry, const std::string& ptr,
                             std::vector<Task>& out) {
    auto req = ParseRoleEntry(*ctx.src, entry, ptr);
    if (!req) return std::unexpected(req.error());
    Task inherited = InheritedFrom(req->entry);
    return AddRole(*req, "", ctx.src->At(ptr), out, inherited);
  }

  Expected<RoleRequest> RoleRequestFromArgs(const Json& args, const Location& where) {
    RoleRequest req;
    if (!args.contains("name") || !args["name"].is_string()) {
      return Fail("include_role/import_role needs 'name'", where);
    }
    req.name = args["name"];
    for (auto [key, field] :
         {std::pair{"tasks_from", &req.tasks_from}, std::pair{"vars_from", &req.vars_from},
          std::pair{"defaults_from", &req.defaults_from},
          std::pair{"handlers_from", &req.handlers_from}}) {
      if (args.contains(key) && args[key].is_string()) {
        std::string v = args[key];
        for (const char* ext : {".yml", ".yaml"}) {
          if (v.ends_with(ext)) v.resize(v.size() - std::string_view(ext).size());
        }
        *field = v;
      }
    }
    return req;
  }

  Expected<Task> ImportRole(const Ctx& ctx, const Task& import) {
    auto req = RoleRequestFromArgs(import.args, import.where);
    if (!req) return std::unexpected(req.error());
    std::string from_dir =
        ctx.role ? fs::path(ctx.role->path).parent_path().string() : std::string();
    std::vector<Task> tasks;
    Task inherited = import;
    inherited.role = nullptr;
    auto ok = AddRole(*req, from_dir, import.where, tasks, inherited);
    if (!ok) return std::unexpected(ok.error());
    Task block;
    block.is_block = true;
    block.where = import.where;
    block.file = import.file;
    block.block = std::move(tasks);
    return block;
  }
};

PlaybookLoader::PlaybookLoader(LoadOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

PlaybookLoader::~PlaybookLoader() = default;

Expected<Playbook> PlaybookLoader::Load(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return Fail(fmt::format("playbook '{}' not found", path));
  return impl_->LoadPlaybook(path);
}

Expected<const std::vector<Task>*> PlaybookLoader::IncludeTasks(const std::string& path,
                                                                const Role* role,
                                                                const Location& where) {
  std::lock_guard lock(impl_->mutex);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    return Fail(fmt::format("task file '{}' not found", path), where);
  }
  std::string key = fs::weakly_canonical(path).string();
  auto it = impl_->task_cache.find(key);
  if (it != impl_->task_cache.end()) return it->second.get();
  impl_->file_stack.clear();
  auto tasks = impl_->LoadTaskFile(path, role, where, "include_tasks", false);
  if (!tasks) return std::unexpected(tasks.error());
  auto& slot = impl_->task_cache[key];
  slot = std::make_unique<std::vector<Task>>(std::move(*tasks));
  return slot.get();
}

Expected<std::shared_ptr<Role>> PlaybookLoader::IncludeRole(const Json& args,
                                                            const std::string& playbook_dir,
                                                            const Location& where) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->playbook_dir.empty()) impl_->playbook_dir = playbook_dir;
  auto req = impl_->RoleRequestFromArgs(args, where);
  if (!req) return std::unexpected(req.error());
  impl_->file_stack.clear();
  auto role = impl_->BuildRole(*req, "", where, true);
  if (!role) return role;
  impl_->runtime_roles.push_back(*role);
  return role;
}

std::string PlaybookLoader::ResolveTaskFile(const std::string& name,
                                            const std::string& including_file, const Role* role,
                                            const std::string& playbook_dir) {
  if (fs::path(name).is_absolute()) return name;
  std::error_code ec;
  std::vector<fs::path> candidates;
  if (!including_file.empty()) candidates.push_back(fs::path(including_file).parent_path() / name);
  if (role) candidates.push_back(fs::path(role->path) / "tasks" / name);
  candidates.push_back(fs::path(playbook_dir) / name);
  for (const auto& c : candidates) {
    if (fs::is_regular_file(c, ec)) return c.lexically_normal().string();
  }
  return candidates.front().lexically_normal().string();
}

}  // namespace tend
