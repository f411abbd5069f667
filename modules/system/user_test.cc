#include <doctest/doctest.h>
#include <fmt/format.h>

#include <chrono>

#include "modules/system/home_dir.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

// Days since the epoch of usermod's -e YYYY-MM-DD; -1 for "".
int64_t ExpireDays(const std::string& date) {
  if (date.empty()) return -1;
  std::chrono::year_month_day ymd{std::chrono::year{std::stoi(date.substr(0, 4))},
                                  std::chrono::month{static_cast<unsigned>(std::stoi(date.substr(5, 2)))},
                                  std::chrono::day{static_cast<unsigned>(std::stoi(date.substr(8, 2)))}};
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

// /etc/shadow as useradd (a new account is locked: "!", ages 0 and 99999),
// usermod -p/-L/-U/-e and chage -m/-M leave it.
void UpdateShadow(const std::string& tool, const std::string& name,
                  std::map<std::string, std::string>& opt, FakeHost& host) {
  auto shadow = ParseShadow(host.Content("/etc/shadow"));
  if (tool == "userdel") shadow.erase(name);
  if (tool == "useradd") {
    shadow[name] = {.password = opt.contains("-p") ? opt["-p"] : "!", .min_days = 0, .max_days = 99999};
  }
  if (tool == "chage") {
    if (opt.contains("-m")) shadow[name].min_days = std::stoll(opt["-m"]);
    if (opt.contains("-M")) shadow[name].max_days = std::stoll(opt["-M"]);
  }
  if (tool == "useradd" || tool == "usermod") {
    ShadowEntry& entry = shadow[name];
    if (opt.contains("-p")) entry.password = opt["-p"];
    if (opt.contains("-L")) entry.password = "!" + entry.password;
    if (opt.contains("-U") && entry.password.starts_with('!')) entry.password.erase(0, 1);
    if (opt.contains("-e")) entry.expire_days = ExpireDays(opt["-e"]);
  }
  std::string text;
  for (const auto& [user, e] : shadow) {
    auto days = [](int64_t d) { return d < 0 ? std::string() : std::to_string(d); };
    text += fmt::format("{}:{}:19000:{}:{}:7::{}:\n", user, e.password, days(e.min_days), days(e.max_days),
                        days(e.expire_days));
  }
  host.AddFile("/etc/shadow", text);
}

// Stands in for shadow-utils: applies useradd/usermod/userdel/groupadd/
// groupmod/groupdel to the fake /etc/passwd and /etc/group.
ProcessResult ShadowUtils(const ProcessSpec& spec, FakeHost& host) {
  auto passwd = ParsePasswd(host.Content("/etc/passwd"));
  auto groups = ParseGroup(host.Content("/etc/group"));
  const auto& argv = spec.argv;
  std::string name = argv.back();
  std::map<std::string, std::string> opt;
  bool chage = argv[0] == "chage";  // its -m and -M take a value
  for (size_t i = 1; i + 1 < argv.size(); ++i) {
    if ((!chage && (argv[i] == "-m" || argv[i] == "-M")) || argv[i] == "-r" || argv[i] == "-a" ||
        argv[i] == "-o" || argv[i] == "-f" || argv[i] == "-L" || argv[i] == "-U") {
      opt[argv[i]] = "1";
    } else {
      opt[argv[i]] = argv[i + 1];
      ++i;
    }
  }
  auto gid_of = [&](const std::string& g) {
    for (auto& e : groups)
      if (e.name == g) return e.gid;
    return static_cast<gid_t>(std::stoul(g));
  };
  const std::string& tool = argv[0];
  if (tool == "useradd") {
    passwd.push_back({name, "x",
                      opt.contains("-u") ? static_cast<uid_t>(std::stoul(opt["-u"])) : 1100,
                      opt.contains("-g") ? gid_of(opt["-g"]) : 100, opt["-c"],
                      opt.contains("-d") ? opt["-d"] : "/home/" + name,
                      opt.contains("-s") ? opt["-s"] : "/bin/sh"});
  }
  for (auto& u : passwd) {
    if (u.name != name || tool != "usermod") continue;
    if (opt.contains("-u")) u.uid = static_cast<uid_t>(std::stoul(opt["-u"]));
    if (opt.contains("-g")) u.gid = gid_of(opt["-g"]);
    if (opt.contains("-s")) u.shell = opt["-s"];
    if (opt.contains("-d")) u.home = opt["-d"];
    if (opt.contains("-c")) u.gecos = opt["-c"];
  }
  if ((tool == "useradd" || tool == "usermod") && opt.contains("-G")) {
    std::string list = "," + opt["-G"] + ",";
    for (auto& g : groups) {
      bool wanted = list.find("," + g.name + ",") != std::string::npos;
      bool member = std::find(g.members.begin(), g.members.end(), name) != g.members.end();
      if (!wanted && member && !opt.contains("-a")) std::erase(g.members, name);
      if (wanted && !member) g.members.push_back(name);
    }
  }
  // useradd -m makes the home; -M (create_home: false) does not.
  if (tool == "useradd" && opt.contains("-m")) host.AddDirectory(passwd.back().home, 0700);
  if (tool == "userdel") std::erase_if(passwd, [&](auto& u) { return u.name == name; });
  if (tool == "groupadd") {
    groups.push_back(
        {name, "x", opt.contains("-g") ? static_cast<gid_t>(std::stoul(opt["-g"])) : 2000, {}});
  }
  for (auto& g : groups) {
    if (g.name == name && tool == "groupmod") g.gid = static_cast<gid_t>(std::stoul(opt["-g"]));
  }
  if (tool == "groupdel") std::erase_if(groups, [&](auto& g) { return g.name == name; });
  std::string p, g;
  for (auto& u : passwd) {
    p += fmt::format("{}:{}:{}:{}:{}:{}:{}\n", u.name, u.password, u.uid, u.gid, u.gecos, u.home,
                     u.shell);
  }
  for (auto& e : groups) {
    std::string members;
    for (auto& m : e.members) members += (members.empty() ? "" : ",") + m;
    g += fmt::format("{}:x:{}:{}\n", e.name, e.gid, members);
  }
  host.AddFile("/etc/passwd", p);
  host.AddFile("/etc/group", g);
  UpdateShadow(tool, name, opt, host);
  return {};
}

FakeHost UserHost() {
  FakeHost host = MakeHost();
  host.AddFile("/etc/group", "root:x:0:\napp:x:1001:\ndocker:x:998:\nsudo:x:27:\n");
  host.OnRun(ShadowUtils);
  host.ClearRecords();
  return host;
}

}  // namespace

TEST_CASE("user: create, then nothing to do; check mode runs nothing") {
  FakeHost host = UserHost();
  Task task{host,
            "user",
            {{"name", "mlflow"},
             {"uid", 1500},
             {"group", "app"},
             {"groups", "docker,sudo"},
             {"shell", "/bin/bash"}}};
  task.check = true;
  CHECK(task.Run()["changed"] == true);
  CHECK(host.commands().empty());
  task.check = false;
  Json first = task.Run();
  CHECK(first["changed"] == true);
  REQUIRE(host.commands().size() == 1);
  CHECK(host.commands()[0] == "useradd -u 1500 -g app -G docker,sudo -s /bin/bash -m mlflow");
  CHECK(first["uid"] == 1500);
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(host.commands().empty());
}

// Ansible warns when `password` cannot be a crypt hash; a real hash, or a
// lock marker, gets no warning.
TEST_CASE("user: a password that looks like plaintext is warned about") {
  const std::string sha512 = "$6$salt$" + std::string(86, 'a');
  const std::pair<std::string, bool> cases[] = {
      {"plaintextpassword", true}, {"$6$salt$short", true}, {"$1$salt$" + std::string(22, 'b'), false},
      {sha512, false}, {"$6$salt$" + std::string(85, 'a') + "_", true}, {"!", false},
      {"a:b$c$d", true}};
  for (const auto& [password, warned] : cases) {
    CAPTURE(password);
    FakeHost host = UserHost();
    Json r = Task{host, "user", {{"name", "mlflow"}, {"password", password}}}.Run();
    CHECK(r.contains("warnings") == warned);
  }
}

TEST_CASE("user: append without groups, and local for an account not in /etc/passwd, warn") {
  FakeHost host = UserHost();
  Json local = Task{host, "user", {{"name", "ml"}, {"local", true}}}.Run();
  REQUIRE(local["warnings"].size() == 1);
  CHECK(local["warnings"][0].get<std::string>().starts_with(
      "'local: true' specified and user 'ml' was not found in /etc/passwd."));
  // Once the account is there, nothing to warn about.
  CHECK_FALSE(Task{host, "user", {{"name", "ml"}, {"local", true}}}.Run().contains("warnings"));
  Json append = Task{host, "user", {{"name", "ml"}, {"append", true}}}.Run();
  CHECK(append["warnings"] == Json::array({"'append' is set, but no 'groups' are specified. Use "
                                           "'groups' for appending new groups.This will change "
                                           "to an error in Ansible 2.14."}));
  CHECK(append["changed"] == false);
}

TEST_CASE("user: umask sets the mode of a new home, and is refused with local") {
  FakeHost host = UserHost();
  Json created = Task{host, "user", {{"name", "ml"}, {"umask", "077"}}}.Run();
  CHECK(created["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"useradd -m -K UMASK=077 ml"});
  host.ClearRecords();
  Task{host, "user", {{"name", "ml2"}, {"umask", "077"}, {"create_home", false}}}.Run();
  CHECK(host.commands() == std::vector<std::string>{"useradd -M ml2"});
  Json local = Task{host, "user", {{"name", "ml3"}, {"umask", "077"}, {"local", true}}}.Run();
  CHECK(local["failed"] == true);
  CHECK(local["msg"] == "'umask' can not be used with 'local'");
}

TEST_CASE("user: modify only what differs, append groups, remove") {
  FakeHost host = UserHost();
  Task{host, "user", {{"name", "ml"}, {"shell", "/bin/sh"}}}.Run();
  host.ClearRecords();
  Json modified =
      Task{host,
           "user",
           {{"name", "ml"}, {"shell", "/bin/bash"}, {"groups", "docker"}, {"append", true}}}
          .Run();
  CHECK(modified["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"usermod -a -G docker -s /bin/bash ml"});
  CHECK(Task{host, "user", {{"name", "ml"}, {"groups", "docker"}, {"append", true}}}
            .Run()["changed"] == false);
  CHECK(Task{host, "user", {{"name", "ml"}, {"group", "nope"}}}.Run()["msg"] ==
        "Group nope does not exist");
  host.ClearRecords();
  Task remove{host, "user", {{"name", "ml"}, {"state", "absent"}, {"remove", true}}};
  CHECK(remove.Run()["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"userdel -r ml"});
  CHECK(remove.Run()["changed"] == false);
}

TEST_CASE("user: a group already named after the user is left alone (-N), as Ansible does") {
  FakeHost host = UserHost();
  Json created = Task{host, "user", {{"name", "docker"}, {"shell", "/bin/bash"}}}.Run();
  CHECK(created["changed"] == true);
  REQUIRE(!host.commands().empty());
  CHECK(host.commands().back() == "useradd -s /bin/bash -N -m docker");
}

TEST_CASE("group: create, change gid, delete; idempotent") {
  FakeHost host = UserHost();
  Task add{host, "group", {{"name", "mlops"}, {"gid", 3000}, {"system", true}}};
  Json first = add.Run();
  CHECK(first["changed"] == true);
  CHECK(first["gid"] == 3000);
  CHECK(host.commands() == std::vector<std::string>{"groupadd -g 3000 -r mlops"});
  host.ClearRecords();
  CHECK(add.Run()["changed"] == false);
  CHECK(host.commands().empty());
  Task{host, "group", {{"name", "mlops"}, {"gid", 3001}}}.Run();
  CHECK(host.commands() == std::vector<std::string>{"groupmod -g 3001 mlops"});
  host.ClearRecords();
  Task del{host, "group", {{"name", "mlops"}, {"state", "absent"}}};
  del.check = true;
  CHECK(del.Run()["changed"] == true);
  CHECK(host.commands().empty());
  del.check = false;
  CHECK(del.Run()["changed"] == true);
  CHECK(del.Run()["changed"] == false);
  Task{host, "group", {{"name", "mlops"}}}.Run();
  host.ClearRecords();
  Task{host, "group", {{"name", "mlops"}, {"state", "absent"}, {"force", true}}}.Run();
  CHECK(host.commands() == std::vector<std::string>{"groupdel -f mlops"});
}


TEST_CASE("user: password_lock locks and unlocks only when the state differs") {
  FakeHost host = UserHost();
  Task{host, "user", {{"name", "ml"}, {"password", "$6$hash"}}}.Run();
  host.ClearRecords();
  Task lock{host, "user", {{"name", "ml"}, {"password_lock", true}}};
  CheckCheckMode(lock);
  Json locked = lock.Run();
  CHECK(locked["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"usermod -L ml"});
  CHECK(ParseShadow(host.Content("/etc/shadow"))["ml"].password == "!$6$hash");
  host.ClearRecords();
  CHECK(lock.Run()["changed"] == false);
  CHECK(host.commands().empty());
  // The same hash on a locked account is no change (Ansible compares
  // without the '!'); setting it again would have unlocked the account.
  CHECK(Task{host, "user", {{"name", "ml"}, {"password", "$6$hash"}}}.Run()["changed"] == false);
  Task unlock{host, "user", {{"name", "ml"}, {"password_lock", false}}};
  CheckCheckMode(unlock);
  CheckIdempotent(unlock);
  CHECK(ParseShadow(host.Content("/etc/shadow"))["ml"].password == "$6$hash");
}

TEST_CASE("user: a new password with password_lock is written locked, in one command") {
  FakeHost host = UserHost();
  Task created{host, "user", {{"name", "ml"}, {"password", "$6$new"}, {"password_lock", true}}};
  CheckIdempotent(created);
  CHECK(ParseShadow(host.Content("/etc/shadow"))["ml"].password == "!$6$new");
  host.ClearRecords();
  Task changed{host, "user", {{"name", "ml"}, {"password", "$6$other"}, {"password_lock", true}}};
  CHECK(changed.Run()["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"usermod -p !$6$other ml"});
}

TEST_CASE("user: expires sets the UTC date, compared in days; negative removes it") {
  FakeHost host = UserHost();
  Task{host, "user", {{"name", "ml"}}}.Run();
  host.ClearRecords();
  // 2026-01-01 12:00 UTC: the date, not the time, is what usermod stores.
  Task expire{host, "user", {{"name", "ml"}, {"expires", 1767268800.5}}};
  CheckCheckMode(expire);
  Json first = expire.Run();
  CHECK(first["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"usermod -e 2026-01-01 ml"});
  CHECK(ParseShadow(host.Content("/etc/shadow"))["ml"].expire_days == 20454);
  host.ClearRecords();
  // Another time on the same day changes nothing.
  CHECK(Task{host, "user", {{"name", "ml"}, {"expires", 1767225600}}}.Run()["changed"] == false);
  CHECK(host.commands().empty());
  Task never{host, "user", {{"name", "ml"}, {"expires", -1}}};
  CheckCheckMode(never);
  host.ClearRecords();
  CHECK(never.Run()["changed"] == true);
  REQUIRE(host.commands().size() == 1);
  CHECK(host.commands()[0] == "usermod -e  ml");
  CHECK(ParseShadow(host.Content("/etc/shadow"))["ml"].expire_days == -1);
  host.ClearRecords();
  CHECK(never.Run()["changed"] == false);
  CHECK(host.commands().empty());
}

TEST_CASE("user: a new user gets expires on useradd") {
  FakeHost host = UserHost();
  Task created{host, "user", {{"name", "ml"}, {"expires", 1813060800}}};
  Json first = created.Run();
  CHECK(first["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"useradd -e 2027-06-15 -m ml"});
  host.ClearRecords();
  CHECK(created.Run()["changed"] == false);
}

TEST_CASE("user: password_expire_min and _max through chage, only the ages that differ") {
  FakeHost host = UserHost();
  Task{host, "user", {{"name", "ml"}}}.Run();
  host.ClearRecords();
  Task ages{host, "user", {{"name", "ml"}, {"password_expire_max", 10}, {"password_expire_min", 5}}};
  CheckCheckMode(ages);
  CHECK(ages.Run()["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"chage -m 5 -M 10 ml"});
  CHECK(ParseShadow(host.Content("/etc/shadow"))["ml"].max_days == 10);
  host.ClearRecords();
  CHECK(ages.Run()["changed"] == false);
  CHECK(host.commands().empty());
  Task max_only{host, "user", {{"name", "ml"}, {"password_expire_max", 30}}};
  CHECK(max_only.Run()["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"chage -M 30 ml"});
  host.ClearRecords();
  // A new user: useradd, then chage for what differs from useradd's defaults.
  Task created{host, "user", {{"name", "new"}, {"password_expire_min", 0}, {"password_expire_max", 90}}};
  CHECK(created.Run()["changed"] == true);
  CHECK(host.commands() == std::vector<std::string>{"useradd -m new", "chage -M 90 new"});
}

// Ansible's user module makes the missing home of an existing account (one
// made with create_home: false) as useradd -m would.
TEST_CASE("user: a missing home of an existing account is created from /etc/skel") {
  FakeHost host = UserHost();
  host.AddFile("/etc/skel/.profile", "PATH=$PATH\n", 0600);
  host.AddLink("/etc/skel/.rc", ".profile");
  host.AddFile("/etc/login.defs", "# UMASK 000\nUMASK\t\t027\n");
  Task bare{host, "user", {{"name", "ml"}, {"create_home", false}}};
  CHECK(bare.Run()["changed"] == true);
  CHECK(host.Find("/home/ml") == nullptr);
  Task homed{host, "user", {{"name", "ml"}}};
  homed.check = true;
  host.ClearRecords();
  CHECK(homed.Run()["changed"] == true);
  CHECK(host.changes().empty());
  homed.check = false;
  CHECK(homed.Run()["changed"] == true);
  const auto* home = host.Find("/home/ml");
  REQUIRE(home != nullptr);
  CHECK(home->kind == FileKind::kDirectory);
  CHECK(home->mode == 0750);
  CHECK(home->uid == 1100);
  CHECK(host.Content("/home/ml/.profile") == "PATH=$PATH\n");
  CHECK(host.Find("/home/ml/.profile")->mode == 0600);
  CHECK(host.Find("/home/ml/.profile")->uid == 1100);
  REQUIRE(host.Find("/home/ml/.rc") != nullptr);
  CHECK(host.Find("/home/ml/.rc")->content == ".profile");
  host.ClearRecords();
  CHECK(homed.Run()["changed"] == false);
  CHECK(host.changes().empty());
  // create_home: false leaves a missing home missing.
  Task other{host, "user", {{"name", "ml2"}, {"create_home", false}}};
  other.Run();
  CHECK(other.Run()["changed"] == false);
  CHECK(host.Find("/home/ml2") == nullptr);
}

TEST_CASE("user: the UMASK of login.defs") {
  const std::pair<const char*, std::optional<uint32_t>> cases[] = {
      {"UMASK 022\n", 022},
      {"UMASK\t077", 077},
      {"UMASK 022\nUMASK 027\n", 027},  // the last line counts
      {"#UMASK 022\n", std::nullopt},
      {"UMASK022\n", std::nullopt},
      {"UMASK 022 # default\n", std::nullopt},
      {"UMASK 089\n", std::nullopt},
      {"", std::nullopt},
  };
  for (const auto& [text, umask] : cases) {
    CAPTURE(text);
    CHECK(LoginDefsUmask(text) == umask);
  }
}

}  // namespace tend
