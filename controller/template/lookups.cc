// Lookup plugins (`lookup('env', 'HOME')`, `query('fileglob', '*.conf')`),
// one row each in BuiltinLookups(). They reach the controller only through
// the LookupContext, so tests substitute files and commands.

#include <glob.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include <fmt/format.h>

#include "controller/template/jinja.h"
#include "controller/template/list_lookups.h"
#include "core/strings.h"

namespace tend {
namespace {

std::string Str(const Json& v) { return v.is_string() ? v.get<std::string>() : PythonStr(v); }

std::vector<std::string> Candidates(const LookupContext& ctx, const std::string& path, const char* subdir) {
  if (!path.empty() && path[0] == '/') return {path};
  std::vector<std::string> out;
  for (const auto& dir : ctx.search_paths) {
    out.push_back(dir + "/" + subdir + "/" + path);
    out.push_back(dir + "/" + path);
  }
  out.push_back(path);
  return out;
}

Expected<std::string> ReadFile(const LookupContext& ctx, const std::string& path) {
  if (ctx.read_file) return ctx.read_file(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail("could not read " + path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::optional<std::string> FindFile(const LookupContext& ctx, const std::string& path, const char* subdir) {
  for (const auto& c : Candidates(ctx, path, subdir)) {
    if (ctx.read_file) {
      if (ctx.read_file(c)) return c;
    } else if (std::filesystem::is_regular_file(c)) {
      return c;
    }
  }
  return std::nullopt;
}

Expected<Json> LookupEnv(const Json& terms, const Json& kwargs, Templar& t) {
  Json out = Json::array();
  for (const auto& term : terms) {
    std::optional<std::string> v;
    if (t.hooks().lookup_context.getenv) v = t.hooks().lookup_context.getenv(Str(term));
    else if (const char* e = getenv(Str(term).c_str())) v = e;
    out.push_back(v ? Json(*v) : kwargs.contains("default") ? kwargs["default"] : Json(""));
  }
  return out;
}

Expected<Json> LookupFile(const Json& terms, const Json& kwargs, Templar& t) {
  Json out = Json::array();
  // Ansible's options: trailing whitespace goes by default, leading on request.
  bool rstrip = !kwargs.contains("rstrip") || jinja::PyTruthy(kwargs["rstrip"]);
  bool lstrip = kwargs.contains("lstrip") && jinja::PyTruthy(kwargs["lstrip"]);
  for (const auto& term : terms) {
    auto found = FindFile(t.hooks().lookup_context, Str(term), "files");
    if (!found) return Fail(fmt::format("could not locate file in lookup: {}", Str(term)));
    auto text = ReadFile(t.hooks().lookup_context, *found);
    if (!text) return std::unexpected(text.error());
    std::string_view kept = *text;
    if (lstrip) kept = TrimLeft(kept);
    if (rstrip) kept = TrimRight(kept);
    out.push_back(std::string(kept));
  }
  return out;
}

// The template lookup's options: other delimiters for the file's tags, and
// convert_data (default on) to read a rendered literal back as its value.
Expected<Json> LookupTemplate(const Json& terms, const Json& kwargs, Templar& t) {
  const TemplateOptions saved = t.hooks().file_options;
  TemplateOptions& options = t.hooks().file_options;
  const std::pair<const char*, std::string TemplateOptions::*> delimiters[] = {
      {"variable_start_string", &TemplateOptions::variable_start},
      {"variable_end_string", &TemplateOptions::variable_end},
      {"comment_start_string", &TemplateOptions::comment_start},
      {"comment_end_string", &TemplateOptions::comment_end}};
  for (const auto& [key, member] : delimiters) {
    if (!kwargs.contains(key)) continue;
    std::string value = Str(kwargs[key]);
    if (value.empty()) return Fail(fmt::format("{} must not be empty", key));
    options.*member = std::move(value);
  }
  bool convert = !kwargs.contains("convert_data") || jinja::PyTruthy(kwargs["convert_data"]);
  Json out = Json::array();
  for (const auto& term : terms) {
    auto r = t.RenderFile(Str(term));
    if (!r) {
      t.hooks().file_options = saved;
      return Fail(fmt::format("the template file {} could not be found for the lookup", Str(term)));
    }
    out.push_back(convert ? ConvertData(std::move(*r)) : Json(std::move(*r)));
  }
  t.hooks().file_options = saved;
  return out;
}

Expected<Json> LookupVars(const Json& terms, const Json& kwargs, Templar& t) {
  Json out = Json::array();
  for (const auto& term : terms) {
    if (!term.is_string()) {
      return Fail(fmt::format("Invalid setting identifier, \"{}\" is not a string, its a <class '{}'>", Str(term),
                              jinja::PyTypeName(term)));
    }
    auto v = t.Resolve(Str(term));
    if (!v) return std::unexpected(v.error());
    if (!*v) {
      if (kwargs.contains("default")) {
        out.push_back(kwargs["default"]);
        continue;
      }
      return Fail(fmt::format("No variable found with this name: {}", Str(term)));
    }
    out.push_back(**v);
  }
  return out;
}

Expected<Json> LookupPipe(const Json& terms, const Json&, Templar& t) {
  Json out = Json::array();
  for (const auto& term : terms) {
    std::string cmd = Str(term);
    if (t.hooks().lookup_context.run_pipe) {
      auto r = t.hooks().lookup_context.run_pipe(cmd);
      if (!r) return std::unexpected(r.error());
      std::string s = *r;
      while (!s.empty() && s.back() == '\n') s.pop_back();
      out.push_back(s);
      continue;
    }
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return Fail("lookup_plugin.pipe(" + cmd + ") failed");
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) s.append(buf, n);
    int rc = pclose(p);
    if (rc != 0) return Fail(fmt::format("lookup_plugin.pipe({}) returned {}", cmd, WEXITSTATUS(rc)));
    while (!s.empty() && s.back() == '\n') s.pop_back();
    out.push_back(s);
  }
  return out;
}

Expected<Json> LookupFirstFound(const Json& terms, const Json& kwargs, Templar& t) {
  std::vector<std::string> files, paths;
  // Ansible splits a string of files on , and ; and a string of paths on : as well.
  auto add = [&](const Json& v, std::vector<std::string>& into) {
    const char* separators = &into == &paths ? ",:;" : ",;";
    if (v.is_array())
      for (const auto& e : v) into.push_back(Str(e));
    else if (v.is_string())
      for (size_t p = 0, c; p <= v.get<std::string>().size(); p = c + 1) {
        c = v.get<std::string>().find_first_of(separators, p);
        if (c == std::string::npos) c = v.get<std::string>().size();
        into.push_back(v.get<std::string>().substr(p, c - p));
      }
  };
  bool skip = kwargs.contains("skip") && jinja::PyTruthy(kwargs["skip"]);
  for (const auto& term : terms) {
    if (term.is_object()) {
      if (term.contains("files")) add(term["files"], files);
      if (term.contains("paths")) add(term["paths"], paths);
      if (term.contains("skip")) skip = skip || jinja::PyTruthy(term["skip"]);
    } else {
      add(term, files);
    }
  }
  if (kwargs.contains("files")) add(kwargs["files"], files);
  if (kwargs.contains("paths")) add(kwargs["paths"], paths);
  for (const auto& f : files) {
    std::vector<std::string> tries;
    if (paths.empty()) tries.push_back(f);
    for (const auto& p : paths) tries.push_back(p + "/" + f);
    for (const auto& c : tries)
      if (auto found = FindFile(t.hooks().lookup_context, c, "files")) return Json::array({*found});
  }
  if (skip) return Json::array();
  return Fail("No file was found when using first_found.");
}

// Each term globs in the first candidate directory where it matches a file,
// as Ansible's fileglob stops at the first search path with results.
Expected<Json> LookupFileglob(const Json& terms, const Json&, Templar& t) {
  Json out = Json::array();
  for (const auto& term : terms) {
    for (const auto& pattern : Candidates(t.hooks().lookup_context, Str(term), "files")) {
      glob_t g{};
      size_t before = out.size();
      if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
        for (size_t k = 0; k < g.gl_pathc; ++k)
          if (std::filesystem::is_regular_file(g.gl_pathv[k])) out.push_back(g.gl_pathv[k]);
      }
      globfree(&g);
      if (out.size() > before) break;
    }
  }
  return out;
}

// One entry of community.general.filetree: what `file`/`copy`/`template`
// need to rebuild the tree on a target. Links keep their target in `src`,
// like Ansible; other kinds (sockets, fifos) are left out.
std::optional<Json> TreeEntry(const std::string& root, const std::string& relative) {
  std::string path = root + "/" + relative;
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  Json entry{{"root", root}, {"path", relative}};
  if (S_ISLNK(st.st_mode)) {
    entry["state"] = "link";
    entry["src"] = std::filesystem::read_symlink(path).string();
  } else if (S_ISDIR(st.st_mode)) {
    entry["state"] = "directory";
  } else if (S_ISREG(st.st_mode)) {
    entry["state"] = "file";
    entry["src"] = path;
  } else {
    return std::nullopt;
  }
  entry["uid"] = st.st_uid;
  entry["gid"] = st.st_gid;
  const passwd* user = ::getpwuid(st.st_uid);
  entry["owner"] = user ? Json(user->pw_name) : Json(st.st_uid);
  const group* grp = ::getgrgid(st.st_gid);
  entry["group"] = grp ? Json(grp->gr_name) : Json(st.st_gid);
  entry["mode"] = fmt::format("0{:03o}", st.st_mode & 07777);
  entry["size"] = st.st_size;
  entry["mtime"] = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
  entry["ctime"] = static_cast<double>(st.st_ctim.tv_sec) + st.st_ctim.tv_nsec / 1e9;
  return entry;
}

// Every directory, file and link under `root` (not following links), parents
// before children and names sorted, so runs are reproducible (Ansible walks
// in directory order).
void WalkTree(const std::string& root, const std::string& relative, std::set<std::string>& seen,
              Json& out) {
  std::string dir = relative.empty() ? root : root + "/" + relative;
  std::error_code error;
  std::vector<std::string> names;
  for (const auto& child : std::filesystem::directory_iterator(dir, error))
    names.push_back(child.path().filename().string());
  std::sort(names.begin(), names.end());
  std::vector<std::string> subdirs;
  for (const auto& name : names) {
    std::string path = relative.empty() ? name : relative + "/" + name;
    auto entry = TreeEntry(root, path);
    if (!entry) continue;
    if ((*entry)["state"] == "directory") subdirs.push_back(path);
    // A second term may name an overlapping tree: the first one wins.
    if (seen.insert(path).second) out.push_back(std::move(*entry));
  }
  for (const auto& sub : subdirs) WalkTree(root, sub, seen, out);
}

// filetree (community.general): the tree under each term, a directory found
// like a `copy` src (files/ of the role or playbook first).
Expected<Json> LookupFiletree(const Json& terms, const Json&, Templar& t) {
  Json out = Json::array();
  std::set<std::string> seen;
  for (const auto& term : terms) {
    std::string wanted = Str(term);
    while (wanted.size() > 1 && wanted.back() == '/') wanted.pop_back();
    for (const auto& root : Candidates(t.hooks().lookup_context, wanted, "files")) {
      if (!std::filesystem::is_directory(root)) continue;
      WalkTree(root, "", seen, out);
      break;
    }
  }
  return out;
}

// password: reads the file, or generates a password and stores it.
Expected<Json> LookupPassword(const Json& terms, const Json& kwargs, Templar& t) {
  Json out = Json::array();
  auto& ctx = t.hooks().lookup_context;
  for (const auto& term : terms) {
    std::string spec = Str(term);
    std::string path = spec.substr(0, spec.find(' '));
    int length = 20;
    std::string chars = "ascii_letters,digits,.,:-_";
    if (kwargs.contains("length")) length = static_cast<int>(jinja::ToDouble(kwargs["length"]));
    if (kwargs.contains("chars")) chars = kwargs["chars"].is_array() ? "" : Str(kwargs["chars"]);
    for (size_t p = spec.find(' '); p != std::string::npos;) {
      size_t n = spec.find(' ', p + 1);
      std::string kv = spec.substr(p + 1, n == std::string::npos ? n : n - p - 1);
      if (kv.rfind("length=", 0) == 0) length = std::stoi(kv.substr(7));
      if (kv.rfind("chars=", 0) == 0) chars = kv.substr(6);
      p = n;
    }
    if (path != "/dev/null") {
      auto existing = ReadFile(ctx, path);
      if (existing) {
        std::string s = *existing;
        while (!s.empty() && s.back() == '\n') s.pop_back();
        out.push_back(s.substr(0, s.find(" salt=")));
        continue;
      }
    }
    std::string alphabet;
    for (size_t p = 0; p <= chars.size();) {
      size_t c = chars.find(',', p);
      std::string part = chars.substr(p, c == std::string::npos ? c : c - p);
      if (part == "ascii_letters") alphabet += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
      else if (part == "ascii_lowercase") alphabet += "abcdefghijklmnopqrstuvwxyz";
      else if (part == "ascii_uppercase") alphabet += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
      else if (part == "digits") alphabet += "0123456789";
      else if (part == "hexdigits") alphabet += "0123456789abcdefABCDEF";
      else if (part == "punctuation") alphabet += "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
      else if (part.empty() && c != std::string::npos) alphabet += ",";
      else alphabet += part;
      if (c == std::string::npos) break;
      p = c + 1;
    }
    std::random_device rd;
    std::string pw;
    for (int k = 0; k < length; ++k) pw += alphabet[rd() % alphabet.size()];
    if (path != "/dev/null") {
      std::error_code ec;
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
      if (ctx.write_file) {
        auto w = ctx.write_file(path, pw + "\n");
        if (!w) return std::unexpected(w.error());
      } else {
        std::ofstream f(path);
        f << pw << "\n";
        if (!f) return Fail("could not write password file " + path);
      }
    }
    out.push_back(pw);
  }
  return out;
}

}  // namespace

std::vector<LookupRegistration> BuiltinLookups() {
  return {
      {"env", LookupEnv}, {"file", LookupFile}, {"template", LookupTemplate}, {"vars", LookupVars},
      {"items", LookupItems, true}, {"flattened", LookupFlattened}, {"list", LookupList, true},
      {"pipe", LookupPipe},
      {"first_found", LookupFirstFound}, {"fileglob", LookupFileglob},
      {"filetree", LookupFiletree}, {"password", LookupPassword},
      {"dict", LookupDict}, {"indexed_items", LookupIndexedItems, true}, {"sequence", LookupSequence},
      {"subelements", LookupSubelements}, {"together", LookupTogether}, {"nested", LookupNested},
  };
}

std::string LookupShortName(const std::string& name) {
  size_t dot = name.rfind('.');
  return dot == std::string::npos ? name : name.substr(dot + 1);
}

namespace {

// The lookup `name` names in the templar's table (the builtins unless the
// engine gave its own); the last registration of a name wins.
const LookupRegistration* FindLookup(Templar& templar, const std::string& name) {
  static const std::vector<LookupRegistration> kBuiltins = BuiltinLookups();
  const auto& table = templar.hooks().lookups.empty() ? kBuiltins : templar.hooks().lookups;
  std::string shortname = LookupShortName(name);
  const LookupRegistration* found = nullptr;
  for (const auto& lookup : table) {
    if (lookup.name == shortname) found = &lookup;
  }
  return found;
}

}  // namespace

Expected<Json> RunQuery(Templar& templar, const std::string& name, const Json& terms) {
  const LookupRegistration* lookup = FindLookup(templar, name);
  if (!lookup) return Fail(fmt::format("lookup plugin ({}) not found", name));
  if (terms.is_object() && !lookup->sees_mapping_terms) {
    return lookup->run(Json::array({terms}), Json::object(), templar);
  }
  return lookup->run(terms, Json::object(), templar);
}

namespace jinja {

Value RunLookup(Renderer& r, const std::string& name, const Args& args, bool wantlist) {
  Templar& t = r.templar();
  std::string shortname = LookupShortName(name);
  Json terms = Json::array();
  for (size_t k = 1; k < args.positional.size(); ++k) terms.push_back(args.positional[k].json());
  Json kwargs = Json::object();
  std::string errors = "strict";
  for (const auto& [k, v] : args.named) {
    if (k == "wantlist") wantlist = PyTruthy(v.json());
    else if (k == "errors") errors = PythonStr(v.json());
    else kwargs[k] = v.json();
  }
  const LookupRegistration* found = FindLookup(t, name);
  if (!found) throw RenderError(fmt::format("lookup plugin ({}) not found", name));
  auto result = found->run(terms, kwargs, t);
  if (!result) {
    // Ansible's templar: an ignored (or warned) lookup error gives [] to q() and None to lookup().
    if (errors == "ignore" || errors == "warn") return Value(wantlist ? Json::array() : Json(nullptr));
    throw RenderError(fmt::format("An unhandled exception occurred while running the lookup plugin '{}'. Error was a <class 'ansible.errors.AnsibleError'>, original message: {}", shortname, result.error().message));
  }
  Json ran = std::move(*result);
  if (wantlist) return Value(std::move(ran));
  if (ran.is_array()) {
    bool all_strings = std::all_of(ran.begin(), ran.end(), [](const Json& e) { return e.is_string(); });
    if (all_strings) {
      std::string joined;
      for (size_t k = 0; k < ran.size(); ++k) joined += (k ? "," : "") + ran[k].get<std::string>();
      return Value(Json(joined));
    }
    if (ran.size() == 1) return Value(ran[0]);
  }
  return Value(std::move(ran));
}

}  // namespace jinja
}  // namespace tend
