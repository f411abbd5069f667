#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>

#include "modules/framework/all.h"
#include "modules/files/file_common.h"
#include "modules/system/home_dir.h"
#include "modules/system/shadow_tool.h"
#include "modules/framework/text.h"
#include "core/strings.h"

namespace tend {
namespace {

std::string JoinComma(const std::vector<std::string>& items) { return Join(items, ","); }

// Ansible's check of `password`: text that cannot be a crypt(3) hash (no `$`
// fields, a character crypt never writes, an md5/sha256/sha512 hash of the
// wrong length) is most likely a plaintext password given by mistake.
bool LooksUnhashed(const std::string& password) {
  if (password == "*" || password == "!" || password == "*************") return false;
  if (password.find_first_of(":*!") != std::string::npos) return true;
  if (password.find('$') == std::string::npos) return true;
  std::vector<std::string> fields;
  for (size_t start = 0;;) {
    size_t dollar = password.find('$', start);
    fields.push_back(password.substr(start, dollar - start));
    if (dollar == std::string::npos) break;
    start = dollar + 1;
  }
  if (fields.size() < 3) return true;
  const std::string& hash = fields.back();
  bool foreign = hash.find_first_not_of(
                     "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./=") !=
                 std::string::npos;
  const std::pair<const char*, size_t> lengths[] = {{"1", 22}, {"5", 43}, {"6", 86}};
  for (const auto& [id, length] : lengths) {
    if (fields[1] == id && hash.size() != length) return true;
  }
  return foreign;
}

// Supplementary groups the user is a member of, from /etc/group.
std::vector<std::string> MemberOf(const std::vector<GroupEntry>& groups, const std::string& user) {
  std::vector<std::string> out;
  for (const auto& g : groups) {
    if (std::find(g.members.begin(), g.members.end(), user) != g.members.end()) {
      out.push_back(g.name);
    }
  }
  return out;
}

// The user's /etc/shadow entry; none for a new user. An unreadable shadow
// reads as an unlocked password without expiry.
std::optional<ShadowEntry> CurrentShadow(ModuleContext& context,
                                         const std::optional<PasswdEntry>& current) {
  if (!current) return std::nullopt;
  if (!context.Has("password") && !context.Has("password_lock") && !context.Has("expires") &&
      !context.Has("password_expire_max") && !context.Has("password_expire_min")) {
    return ShadowEntry{};
  }
  auto content = context.Machine().ReadFile("/etc/shadow");
  if (!content) return ShadowEntry{};
  auto entries = ParseShadow(*content);
  auto it = entries.find(current->name);
  return it == entries.end() ? ShadowEntry{} : it->second;
}

// `expires` is seconds since the epoch; usermod takes the UTC date.
std::string ExpiryDate(double expires) {
  auto days = static_cast<int64_t>(std::floor(expires / 86400));
  std::chrono::year_month_day date{std::chrono::sys_days{std::chrono::days{days}}};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

// As Ansible: a negative `expires` removes the expiry; otherwise the date
// is compared with shadow's expire day, so the same date changes nothing.
std::vector<std::string> ExpiresOptions(double expires, const std::optional<ShadowEntry>& shadow) {
  if (expires < 0) {
    if (shadow && shadow->expire_days < 0) return {};
    return {"-e", ""};
  }
  auto day = static_cast<int64_t>(std::floor(expires / 86400));
  if (shadow && shadow->expire_days == day) return {};
  return {"-e", ExpiryDate(expires)};
}

std::string_view WithoutLock(std::string_view hash) {
  return hash.substr(std::min(hash.find_first_not_of('!'), hash.size()));
}

// password and password_lock as Ansible's user module: lock (-L) or unlock
// (-U) only when the state differs ('!' before the hash means locked); a
// new hash replaces both, with the '!' written in when locking.
std::vector<std::string> PasswordOptions(ModuleContext& context,
                                         const std::optional<ShadowEntry>& shadow) {
  std::optional<bool> lock;
  if (context.Has("password_lock")) lock = context.Bool("password_lock");
  std::string hash = shadow ? shadow->password : "";
  bool locked = hash.starts_with('!');
  if (context.Has("password")) {
    std::string wanted = context.Str("password");
    bool update = !shadow || context.Str("update_password", "always") == "always";
    if (update && WithoutLock(hash) != WithoutLock(wanted)) {
      return {"-p", lock.value_or(false) ? "!" + wanted : wanted};
    }
  }
  if (!shadow) return {};
  if (lock == true && !locked) return {"-L"};
  if (lock == false && locked) return {"-U"};
  return {};
}

// Options shared by useradd and usermod, from what differs (all for a new user).
Expected<std::vector<std::string>> Options(ModuleContext& context,
                                           const std::optional<PasswdEntry>& current,
                                           const std::vector<GroupEntry>& groups) {
  Host& host = context.Machine();
  std::vector<std::string> opts;
  auto differs = [&](const char* key, const std::string& now) {
    return context.Has(key) && (!current || context.Str(key) != now);
  };
  if (context.Has("uid") && (!current || context.Int("uid") != current->uid)) {
    opts.insert(opts.end(), {"-u", std::to_string(context.Int("uid"))});
    if (context.Bool("non_unique")) opts.push_back("-o");
  }
  if (context.Has("group")) {
    auto gid = ResolveGid(host, context.Str("group"));
    if (!gid) return Fail(fmt::format("Group {} does not exist", context.Str("group")));
    if (!current || *gid != current->gid) opts.insert(opts.end(), {"-g", context.Str("group")});
  }
  if (context.Has("groups")) {
    auto wanted = context.args["groups"].get<std::vector<std::string>>();
    std::erase(wanted, std::string());
    for (const auto& g : wanted) {
      bool exists = std::any_of(groups.begin(), groups.end(), [&](auto& e) { return e.name == g; });
      if (!exists) return Fail(fmt::format("Group {} does not exist", g));
    }
    std::vector<std::string> have =
        current ? MemberOf(groups, current->name) : std::vector<std::string>{};
    std::set<std::string> have_set(have.begin(), have.end()),
        want_set(wanted.begin(), wanted.end());
    bool append = context.Bool("append");
    bool missing =
        std::any_of(wanted.begin(), wanted.end(), [&](auto& g) { return !have_set.contains(g); });
    if (missing || (!append && have_set != want_set)) {
      if (append && current) opts.push_back("-a");
      opts.insert(opts.end(), {"-G", JoinComma(wanted)});
    }
  }
  if (differs("shell", current ? current->shell : ""))
    opts.insert(opts.end(), {"-s", context.Str("shell")});
  if (differs("comment", current ? current->gecos : ""))
    opts.insert(opts.end(), {"-c", context.Str("comment")});
  if (differs("home", current ? current->home : "")) {
    opts.insert(opts.end(), {"-d", context.Str("home")});
    if (current && context.Bool("move_home")) opts.push_back("-m");
  }
  auto shadow = CurrentShadow(context, current);
  if (context.Has("expires")) {
    auto expires = ExpiresOptions(context.args["expires"].get<double>(), shadow);
    opts.insert(opts.end(), expires.begin(), expires.end());
  }
  auto password = PasswordOptions(context, shadow);
  opts.insert(opts.end(), password.begin(), password.end());
  return opts;
}

// password_expire_min/max as Ansible's set_password_expire: chage for the
// ages that differ from shadow's, nothing when both already match.
std::vector<std::string> PasswordAgeArgv(ModuleContext& context, const ShadowEntry& shadow,
                                         const std::string& name) {
  std::vector<std::string> argv{"chage"};
  if (context.Has("password_expire_min") && context.Int("password_expire_min") != shadow.min_days)
    argv.insert(argv.end(), {"-m", std::to_string(context.Int("password_expire_min"))});
  if (context.Has("password_expire_max") && context.Int("password_expire_max") != shadow.max_days)
    argv.insert(argv.end(), {"-M", std::to_string(context.Int("password_expire_max"))});
  if (argv.size() == 1) return {};
  argv.push_back(name);
  return argv;
}

Expected<void> EnsurePasswordAge(ModuleContext& context, const std::string& name, Json& result) {
  if (!context.Has("password_expire_min") && !context.Has("password_expire_max")) return {};
  auto user = context.Machine().FindUser(name);
  if (!user) return std::unexpected(user.error());
  auto shadow = *user ? CurrentShadow(context, *user) : std::optional<ShadowEntry>(ShadowEntry{});
  auto argv = PasswordAgeArgv(context, shadow ? *shadow : ShadowEntry{}, name);
  if (argv.empty()) return {};
  result["changed"] = true;
  if (context.check) return {};
  auto ran = RunShadowTool(context.Machine(), argv);
  if (!ran) return std::unexpected(ran.error());
  return {};
}

Json Describe(Host& host, const std::string& name, Json result) {
  auto user = host.FindUser(name);
  if (user && *user) {
    result["uid"] = (*user)->uid;
    result["group"] = (*user)->gid;
    result["home"] = (*user)->home;
    result["shell"] = (*user)->shell;
    result["comment"] = (*user)->gecos;
  }
  return result;
}

// Ansible's user module gives an existing account whose home is missing
// (made with create_home: false, or removed since) the home useradd -m makes.
Expected<void> EnsureHome(ModuleContext& context, const std::string& name, Json& result) {
  if (!context.Bool("create_home", true)) return {};
  Host& host = context.Machine();
  auto user = host.FindUser(name);
  if (!user) return std::unexpected(user.error());
  if (!*user) return {};  // in check mode a new account is not there yet
  std::string home = context.Has("home") ? context.Str("home") : (*user)->home;
  if (home.empty()) return {};
  auto info = host.Stat(home);
  if (!info) return std::unexpected(info.error());
  if (info->exists()) return {};
  result["changed"] = true;
  if (context.check) return {};
  return CreateHomeDir(host, home, (*user)->uid, (*user)->gid);
}

// What Ansible's user module warns about without failing, in its order.
Json UserWarnings(ModuleContext& context, bool exists) {
  Json warnings = Json::array();
  if (context.Bool("append") && !context.Has("groups")) {
    warnings.push_back(
        "'append' is set, but no 'groups' are specified. Use 'groups' for appending new "
        "groups.This will change to an error in Ansible 2.14.");
  }
  if (context.Has("password") && LooksUnhashed(context.Str("password"))) {
    warnings.push_back(
        "The input password appears not to have been hashed. The 'password' argument must be "
        "encrypted for this module to work properly.");
  }
  // `local` means /etc/passwd alone, which is what tend reads in any case;
  // Ansible warns that an account missing there may live in a directory.
  if (context.Bool("local") && !exists) {
    warnings.push_back(fmt::format(
        "'local: true' specified and user '{}' was not found in /etc/passwd. The local user "
        "account may already exist if the local account database exists somewhere other than "
        "/etc/passwd.",
        context.Str("name")));
  }
  return warnings;
}

Expected<Json> EnsureSshKey(ModuleContext& context, const PasswdEntry& user, Json& result) {
  Host& host = context.Machine();
  std::string type = context.Str("ssh_key_type", "rsa");
  std::string file = context.Str("ssh_key_file", ".ssh/id_" + type);
  if (!file.starts_with('/')) file = JoinPath(user.home, file);
  result["ssh_key_file"] = file;
  auto info = host.Stat(file);
  if (!info) return std::unexpected(info.error());
  if (info->exists()) {
    auto pub = host.ReadFile(file + ".pub");
    if (pub) result["ssh_public_key"] = std::string(StripTrailingNewlines(*pub));
    return result;
  }
  result["changed"] = true;
  if (context.check) return result;
  std::string dir = DirName(file);
  if (!host.Stat(dir)->exists()) {
    auto made = host.MakeDirectory(dir, 0700);
    if (!made) return std::unexpected(made.error());
    (void)host.Chown(dir, user.uid, user.gid);
  }
  std::vector<std::string> argv{
      "ssh-keygen", "-t",
      type,         "-q",
      "-N",         context.Str("ssh_key_passphrase"),
      "-f",         file,
      "-C",         context.Str("ssh_key_comment", "ansible-generated on host")};
  if (context.Has("ssh_key_bits")) {
    argv.insert(argv.begin() + 3, {"-b", std::to_string(context.Int("ssh_key_bits"))});
  }
  auto ran = RunShadowTool(host, argv);
  if (!ran) return std::unexpected(ran.error());
  for (const auto& f : {file, file + ".pub"}) (void)host.Chown(f, user.uid, user.gid);
  auto pub = host.ReadFile(file + ".pub");
  if (pub) result["ssh_public_key"] = std::string(StripTrailingNewlines(*pub));
  return result;
}

}  // namespace

const ModuleSpec& UserSpec() {
  static const ModuleSpec spec{
      .name = "user",
      .short_description = "Manage user accounts",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true, .aliases = {"user"}},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}},
               {.name = "uid", .type = ArgType::kInt},
               {.name = "non_unique", .type = ArgType::kBool, .default_value = false},
               {.name = "group", .type = ArgType::kStr},
               {.name = "groups", .type = ArgType::kList},
               {.name = "append", .type = ArgType::kBool, .default_value = false},
               {.name = "comment", .type = ArgType::kStr},
               {.name = "shell", .type = ArgType::kStr},
               {.name = "home", .type = ArgType::kPath},
               {.name = "create_home",
                .type = ArgType::kBool,
                .default_value = true,
                .aliases = {"createhome"}},
               {.name = "move_home", .type = ArgType::kBool, .default_value = false},
               {.name = "system", .type = ArgType::kBool, .default_value = false},
               {.name = "password", .type = ArgType::kStr, .no_log = true},
               {.name = "update_password",
                .type = ArgType::kStr,
                .default_value = "always",
                .choices = {"always", "on_create"}},
               {.name = "password_lock", .type = ArgType::kBool},
               {.name = "remove", .type = ArgType::kBool, .default_value = false},
               {.name = "force", .type = ArgType::kBool, .default_value = false},
               {.name = "generate_ssh_key", .type = ArgType::kBool, .default_value = false},
               {.name = "ssh_key_type", .type = ArgType::kStr, .default_value = "rsa"},
               {.name = "ssh_key_bits", .type = ArgType::kInt},
               {.name = "ssh_key_file", .type = ArgType::kPath},
               {.name = "ssh_key_comment", .type = ArgType::kStr},
               {.name = "ssh_key_passphrase", .type = ArgType::kStr, .no_log = true},
               {.name = "expires", .type = ArgType::kFloat},
               {.name = "password_expire_max", .type = ArgType::kInt},
               {.name = "password_expire_min", .type = ArgType::kInt},
               {.name = "umask", .type = ArgType::kStr},
               {.name = "local", .type = ArgType::kBool, .default_value = false}},
      .returns = {"name", "state", "uid", "group", "groups", "home", "shell", "comment", "system",
                  "create_home", "ssh_public_key", "ssh_key_file", "warnings"},
  };
  return spec;
}

Expected<Json> RunUser(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = context.Str("name");
  if (context.Has("umask") && context.Bool("local")) {
    return Fail("'umask' can not be used with 'local'");
  }
  auto current = host.FindUser(name);
  if (!current) return std::unexpected(current.error());
  auto groups = host.Groups();
  if (!groups) return std::unexpected(groups.error());
  Json result{{"changed", false}, {"name", name}, {"state", context.Str("state", "present")}};
  if (Json warnings = UserWarnings(context, current->has_value()); !warnings.empty()) {
    result["warnings"] = std::move(warnings);
  }
  if (context.Str("state") == "absent") {
    if (!*current) return result;
    result["changed"] = true;
    if (context.check) return result;
    std::vector<std::string> argv{"userdel"};
    if (context.Bool("force")) argv.push_back("-f");
    if (context.Bool("remove")) argv.push_back("-r");
    argv.push_back(name);
    auto ran = RunShadowTool(host, argv);
    if (!ran) return std::unexpected(ran.error());
    return result;
  }
  auto opts = Options(context, *current, *groups);
  if (!opts) return std::unexpected(opts.error());
  if (!*current || !opts->empty()) {
    result["changed"] = true;
    if (!context.check) {
      std::vector<std::string> argv{*current ? "usermod" : "useradd"};
      argv.insert(argv.end(), opts->begin(), opts->end());
      if (!*current) {
        // Like Ansible: with no `group` and a group already named after the
        // user, -N keeps useradd (USERGROUPS_ENAB) from failing to create it;
        // the user gets useradd's default group.
        bool own_group_exists = std::any_of(groups->begin(), groups->end(),
                                            [&](const GroupEntry& g) { return g.name == name; });
        if (!context.Has("group") && own_group_exists) argv.push_back("-N");
        if (context.Bool("system")) argv.push_back("-r");
        argv.push_back(context.Bool("create_home", true) ? "-m" : "-M");
        // The mode useradd gives the new home (0777 minus this umask).
        if (context.Bool("create_home", true) && context.Has("umask")) {
          argv.insert(argv.end(), {"-K", "UMASK=" + context.Str("umask")});
        }
      }
      argv.push_back(name);
      auto ran = RunShadowTool(host, argv);
      if (!ran) return std::unexpected(ran.error());
    }
  }
  if (auto aged = EnsurePasswordAge(context, name, result); !aged) return std::unexpected(aged.error());
  if (context.Has("groups"))
    result["groups"] = JoinComma(context.args["groups"].get<std::vector<std::string>>());
  result["system"] = context.Bool("system");
  result["create_home"] = context.Bool("create_home", true);
  result = Describe(host, name, std::move(result));
  if (auto homed = EnsureHome(context, name, result); !homed) return std::unexpected(homed.error());
  if (context.Bool("generate_ssh_key")) {
    auto user = host.FindUser(name);
    if (user && *user) {
      auto keyed = EnsureSshKey(context, **user, result);
      if (!keyed) return keyed;
    }
  }
  return result;
}

}  // namespace tend
