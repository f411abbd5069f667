#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "modules/testing/test_support.h"

namespace tend {
namespace {

// A cron stand-in: `crontab [-u user] -l` prints the user's table (rc 1 and
// "no crontab for" without one), `crontab [-u user] -` installs stdin, so a
// write followed by a read round-trips. The agent runs as root.
struct CrontabFixture {
  FakeHost host = MakeHost();
  std::map<std::string, std::string> tabs;
  int list_rc = 0;            // forced rc for -l when not 0 (a broken crontab)
  std::string install_error;  // stderr of a failing `crontab -`

  CrontabFixture() {
    host.OnRun([this](const ProcessSpec& spec, FakeHost&) { return Crontab(spec); });
  }

  ProcessResult Crontab(const ProcessSpec& spec) {
    const auto& argv = spec.argv;
    REQUIRE(argv.at(0) == "crontab");
    std::string user = "root";
    size_t action = 1;
    if (argv.at(1) == "-u") {
      user = argv.at(2);
      action = 3;
    }
    if (argv.at(action) == "-l") {
      if (list_rc != 0) return {list_rc, "", "crontab: cannot read\n"};
      auto it = tabs.find(user);
      if (it == tabs.end()) return {1, "", "no crontab for " + user + "\n"};
      return {0, it->second, ""};
    }
    REQUIRE(argv.at(action) == "-");
    if (!install_error.empty()) return {1, "", install_error};
    tabs[user] = spec.stdin_data.value_or("");
    return {};
  }

  // How many times a table was installed with `crontab -`.
  long Installs() const {
    const auto& commands = host.commands();
    return std::count_if(commands.begin(), commands.end(),
                         [](const std::string& c) { return c.ends_with(" -"); });
  }

  Task Cron(Json args) { return Task{.host = host, .module = "cron", .args = std::move(args)}; }
};

Json Diff(const char* before, const char* header, const char* after, const char* after_header) {
  return Json{{"before", before},
              {"before_header", header},
              {"after", after},
              {"after_header", after_header}};
}

TEST_CASE("cron: a job in the agent's crontab: check mode, marker line, diff, idempotent") {
  CrontabFixture f;
  Task task = f.Cron(
      {{"name", "backup db"}, {"minute", "0"}, {"hour", "2"}, {"job", "/usr/local/bin/backup"}});
  CheckCheckMode(task);
  CHECK(f.Installs() == 0);
  CHECK_FALSE(f.tabs.contains("root"));
  CHECK(f.host.commands() == std::vector<std::string>{"crontab -l"});

  task.diff = true;
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["jobs"] == Json::array({"backup db"}));
  CHECK(first["envs"] == Json::array());
  CHECK_FALSE(first.contains("cron_file"));
  const char* expected = "#Ansible: backup db\n0 2 * * * /usr/local/bin/backup\n";
  CHECK(first["diff"] == Diff("", "crontab", expected, "crontab"));
  CHECK(f.tabs["root"] == expected);

  f.host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK_FALSE(second.contains("diff"));
  CHECK(second["jobs"] == Json::array({"backup db"}));
  CHECK(f.Installs() == 0);
  CHECK(f.host.changes().empty());
}

TEST_CASE("cron: another user's crontab via -u; other lines kept; the job updated in place") {
  CrontabFixture f;
  f.tabs["app"] =
      "MAILTO=ops\n# keep me\n#Ansible: rotate\n* * * * * old-rotate\n#Ansible: other\n1 1 * * * "
      "x\n";
  Task task = f.Cron(
      {{"name", "rotate"}, {"user", "app"}, {"special_time", "daily"}, {"job", "new-rotate"}});
  task.diff = true;
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(f.host.commands() == std::vector<std::string>{"crontab -u app -l", "crontab -u app -"});
  CHECK(
      f.tabs["app"] ==
      "MAILTO=ops\n# keep me\n#Ansible: rotate\n@daily new-rotate\n#Ansible: other\n1 1 * * * x\n");
  CHECK(first["diff"]["before_header"] == "crontab for user \"app\"");
  CHECK(first["diff"]["after_header"] == "crontab for user \"app\"");
  CHECK(first["jobs"] == Json::array({"rotate", "other"}));
  CHECK(first["envs"] == Json::array({"MAILTO"}));
  f.host.ClearRecords();
  CHECK(task.Run()["changed"] == false);
  CHECK(f.Installs() == 0);

  // Naming the user the agent runs as reads and writes without -u, as Ansible.
  f.host.ClearRecords();
  CheckIdempotent(f.Cron({{"name", "r"}, {"user", "root"}, {"job", "true"}}));
  CHECK(f.host.commands() == std::vector<std::string>{"crontab -l"});
  CHECK(f.tabs["root"] == "#Ansible: r\n* * * * * true\n");

  // state=absent drops the marker and its job; the crontab itself stays.
  Task absent = f.Cron({{"name", "rotate"}, {"user", "app"}, {"state", "absent"}});
  CheckCheckMode(absent);
  CHECK(f.tabs["app"].find("rotate") != std::string::npos);
  CheckIdempotent(absent);
  CHECK(f.tabs["app"] == "MAILTO=ops\n# keep me\n#Ansible: other\n1 1 * * * x\n");
}

TEST_CASE("cron: every copy of a named job is replaced, and removed") {
  CrontabFixture f;
  f.tabs["root"] = "#Ansible: dup\n1 * * * * a\n# between\n#Ansible: dup\n2 * * * * b\n";
  CheckIdempotent(f.Cron({{"name", "dup"}, {"job", "c"}}));
  CHECK(f.tabs["root"] == "#Ansible: dup\n* * * * * c\n# between\n#Ansible: dup\n* * * * * c\n");
  CheckIdempotent(f.Cron({{"name", "dup"}, {"state", "absent"}}));
  CHECK(f.tabs["root"] == "# between\n");
}

TEST_CASE("cron: an unmarked identical job adopts the marker; disabled comments the job out") {
  CrontabFixture f;
  f.tabs["root"] = "# mine\n0 5 * * * /bin/job\n";
  Task task = f.Cron({{"name", "j"}, {"minute", 0}, {"hour", 5}, {"job", "/bin/job"}});
  CheckIdempotent(task);
  CHECK(f.tabs["root"] == "# mine\n#Ansible: j\n0 5 * * * /bin/job\n");

  // Ansible 1.x wrote "#Ansible: None" for unnamed jobs; a name takes it over.
  f.tabs["root"] = "#Ansible: None\n0 5 * * * /bin/job\n";
  CheckIdempotent(task);
  CHECK(f.tabs["root"] == "#Ansible: j\n0 5 * * * /bin/job\n");

  task.args["disabled"] = true;
  CheckIdempotent(task);
  CHECK(f.tabs["root"] == "#Ansible: j\n#0 5 * * * /bin/job\n");
  task.args["disabled"] = "no";
  CheckIdempotent(task);
  CHECK(f.tabs["root"] == "#Ansible: j\n0 5 * * * /bin/job\n");

  // Line breaks around the job are dropped; inside it they are warned about.
  Json stripped = f.Cron({{"name", "j"},
                          {"dom", "1"},
                          {"dow", "mon"},
                          {"month", "*/2"},
                          {"minute", "0"},
                          {"hour", "5"},
                          {"job", "\n/bin/job\r\n"}})
                      .Run();
  CHECK(stripped["changed"] == true);
  CHECK_FALSE(stripped.contains("warnings"));
  CHECK(f.tabs["root"] == "#Ansible: j\n0 5 1 */2 mon /bin/job\n");
  Json broken = f.Cron({{"name", "k"}, {"job", "a\nb"}}).Run();
  CHECK(broken["warnings"] == Json::array({"Job should not contain line breaks"}));
}

TEST_CASE("cron: env variables on top, insertafter, insertbefore, update, absent") {
  CrontabFixture f;
  f.tabs["root"] = "#Ansible: j\n* * * * * x\n";
  CheckIdempotent(f.Cron({{"name", "PATH"}, {"env", true}, {"job", "/usr/bin:/bin"}}));
  CHECK(f.tabs["root"] == "PATH=\"/usr/bin:/bin\"\n#Ansible: j\n* * * * * x\n");

  Task after =
      f.Cron({{"name", "HOME"}, {"env", "yes"}, {"value", "/srv"}, {"insertafter", "PATH"}});
  CheckCheckMode(after);
  CheckIdempotent(after);
  Task before =
      f.Cron({{"name", "SHELL"}, {"env", true}, {"value", "/bin/sh"}, {"insertbefore", "PATH"}});
  CheckIdempotent(before);
  CHECK(f.tabs["root"] ==
        "SHELL=\"/bin/sh\"\nPATH=\"/usr/bin:/bin\"\nHOME=\"/srv\"\n#Ansible: j\n* * * * * x\n");

  Task update = f.Cron({{"name", "PATH"}, {"env", true}, {"job", "/opt/bin"}});
  update.diff = true;
  Json updated = update.Run();
  CHECK(updated["changed"] == true);
  CHECK(updated["envs"] == Json::array({"SHELL", "PATH", "HOME"}));
  CHECK(updated["jobs"] == Json::array({"j"}));
  CHECK(updated["diff"]["after"] ==
        "SHELL=\"/bin/sh\"\nPATH=\"/opt/bin\"\nHOME=\"/srv\"\n#Ansible: j\n* * * * * x\n");

  Json missing =
      f.Cron({{"name", "LANG"}, {"env", true}, {"job", "C"}, {"insertafter", "NOPE"}}).Run();
  CHECK(missing["failed"] == true);
  CHECK(missing["msg"] == "Variable named 'NOPE' not found.");

  Task absent = f.Cron({{"name", "HOME"}, {"env", true}, {"state", "absent"}});
  CheckIdempotent(absent);
  CHECK(f.tabs["root"] == "SHELL=\"/bin/sh\"\nPATH=\"/opt/bin\"\n#Ansible: j\n* * * * * x\n");
}

TEST_CASE("cron: cron_file under /etc/cron.d: user field, 0644, removed with its last job") {
  CrontabFixture f;
  f.host.AddDirectory("/etc/cron.d");
  f.host.ClearRecords();
  Task task = f.Cron({{"name", "sweep"},
                      {"cron_file", "tend-sweep"},
                      {"user", "app"},
                      {"minute", "*/5"},
                      {"job", "/srv/sweep"}});
  CheckCheckMode(task);
  CHECK(f.host.Find("/etc/cron.d/tend-sweep") == nullptr);
  task.diff = true;
  CheckIdempotent(task);
  CHECK(f.host.commands().empty());  // cron.d files are edited natively
  const char* content = "#Ansible: sweep\n*/5 * * * * app /srv/sweep\n";
  CHECK(f.host.Content("/etc/cron.d/tend-sweep") == content);
  REQUIRE(f.host.Find("/etc/cron.d/tend-sweep"));
  CHECK(f.host.Find("/etc/cron.d/tend-sweep")->mode == 0644);

  Task reboot = f.Cron({{"name", "boot"},
                        {"cron_file", "/etc/cron.d/tend-sweep"},
                        {"user", "root"},
                        {"special_time", "reboot"},
                        {"minute", "*"},
                        {"job", "/srv/boot"}});
  reboot.diff = true;
  Json added = reboot.Run();
  INFO(added.dump());
  CHECK(added["cron_file"] == "/etc/cron.d/tend-sweep");
  CHECK(added["jobs"] == Json::array({"sweep", "boot"}));
  CHECK(added["diff"] == Diff(content, "/etc/cron.d/tend-sweep",
                              "#Ansible: sweep\n*/5 * * * * app /srv/sweep\n"
                              "#Ansible: boot\n@reboot root /srv/boot\n",
                              "/etc/cron.d/tend-sweep"));

  // Removing one of two jobs rewrites the file; removing the last deletes it.
  CheckIdempotent(f.Cron({{"name", "boot"}, {"cron_file", "tend-sweep"}, {"state", "absent"}}));
  CHECK(f.host.Content("/etc/cron.d/tend-sweep") == content);
  Task absent = f.Cron({{"name", "sweep"}, {"cron_file", "tend-sweep"}, {"state", "absent"}});
  CheckCheckMode(absent);
  CHECK(f.host.Find("/etc/cron.d/tend-sweep") != nullptr);
  absent.diff = true;
  Json removed = absent.Run();
  INFO(removed.dump());
  CHECK(removed == Json{{"changed", true},
                        {"cron_file", "tend-sweep"},
                        {"state", "absent"},
                        {"diff", Diff(content, "/etc/cron.d/tend-sweep", "", "/dev/null")}});
  CHECK(f.host.Find("/etc/cron.d/tend-sweep") == nullptr);
  CHECK(f.host.changes() == std::vector<std::string>{"remove /etc/cron.d/tend-sweep"});
  f.host.ClearRecords();
  Json again = absent.Run();
  CHECK(again["changed"] == false);
  CHECK(f.host.changes().empty());
}

TEST_CASE("cron: an existing cron_file keeps its mode; a badly named one only warns") {
  CrontabFixture f;
  f.host.AddDirectory("/etc/cron.d");
  f.host.AddFile("/etc/cron.d/keep", "# header\n", 0600);
  f.host.ClearRecords();
  CheckIdempotent(f.Cron({{"name", "n"}, {"cron_file", "keep"}, {"user", "root"}, {"job", "x"}}));
  CHECK(f.host.Content("/etc/cron.d/keep") == "# header\n#Ansible: n\n* * * * * root x\n");
  CHECK(f.host.Find("/etc/cron.d/keep")->mode == 0600);

  // The file keeps its comment when its last job goes, so it stays.
  CheckIdempotent(f.Cron({{"name", "n"}, {"cron_file", "keep"}, {"state", "absent"}}));
  CHECK(f.host.Content("/etc/cron.d/keep") == "# header\n");

  Json dotted =
      f.Cron({{"name", "n"}, {"cron_file", "tend.job"}, {"user", "root"}, {"job", "x"}}).Run();
  CHECK(dotted["changed"] == true);
  CHECK(dotted["warnings"] ==
        Json::array({"Filename portion of cron_file (\"tend.job\") should consist solely of "
                     "upper- and lower-case letters, digits, underscores, and hyphens"}));
  CHECK(f.host.Content("/etc/cron.d/tend.job") == "#Ansible: n\n* * * * * root x\n");

  f.host.AddDirectory("/etc/cron.d/subdir");
  Json directory =
      f.Cron({{"name", "n"}, {"cron_file", "subdir"}, {"user", "root"}, {"job", "x"}}).Run();
  CHECK(directory["failed"] == true);
  CHECK(directory["msg"] == "cron_file: /etc/cron.d/subdir is not a regular file");
}

TEST_CASE("cron: generated header lines are dropped; a missing final newline is a change") {
  CrontabFixture f;
  f.tabs["root"] =
      "# DO NOT EDIT THIS FILE - edit the master and reinstall.\n"
      "# (/tmp/crontab.Xk2 installed on Mon Jan  1 00:00:00 2024)\n"
      "# (Cron version -- $Id: crontab.c,v 2.13 1994/01/17 03:20:37 vixie Exp $)\n"
      "#Ansible: a\n* * * * * x";
  Task task = f.Cron({{"name", "a"}, {"job", "x"}});
  task.diff = true;
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["diff"] ==
        Diff("#Ansible: a\n* * * * * x", "crontab", "#Ansible: a\n* * * * * x\n", "crontab"));
  CHECK(f.tabs["root"] == "#Ansible: a\n* * * * * x\n");
  f.host.ClearRecords();
  CHECK(task.Run()["changed"] == false);
  CHECK(f.Installs() == 0);
}

TEST_CASE("cron: backup keeps the table as it was, only when it changes") {
  CrontabFixture f;
  f.host.AddDirectory("/tmp", 01777);
  f.tabs["root"] = "#Ansible: a\n* * * * * old\n";
  f.host.ClearRecords();
  Task task = f.Cron({{"name", "a"}, {"job", "new"}, {"backup", true}});
  CheckCheckMode(task);
  Json first = task.Run();
  INFO(first.dump());
  REQUIRE(first["backup_file"].is_string());
  std::string backup = first["backup_file"].get<std::string>();
  CHECK(backup.starts_with("/tmp/crontab"));
  CHECK(f.host.Content(backup) == "#Ansible: a\n* * * * * old\n");
  CHECK(f.host.Find(backup)->mode == 0600);
  CHECK(f.tabs["root"] == "#Ansible: a\n* * * * * new\n");
  f.host.ClearRecords();
  Json second = task.Run();
  CHECK_FALSE(second.contains("backup_file"));
  CHECK(f.host.changes().empty());
}

TEST_CASE("cron: arguments are checked with Ansible's messages") {
  CrontabFixture f;
  struct Case {
    Json args;
    const char* msg;
  };
  const Case cases[] = {
      {{{"name", "n"}}, "You must specify 'job' to install a new cron job or variable"},
      {{{"name", "n"}, {"job", "x"}, {"cron_file", "tend"}},
       "To use cron_file=... parameter you must specify user=... as well"},
      {{{"name", "n"}, {"job", "x"}, {"special_time", "hourly"}, {"minute", "5"}},
       "You must specify time and date fields or special time."},
      {{{"name", "n"}, {"job", "x"}, {"special_time", "weekly"}, {"dow", "1"}},
       "You must specify time and date fields or special time."},
      {{{"name", "n"}, {"job", "x"}, {"user", "root"}, {"cron_file", "/etc/crontab"}},
       "Will not manage /etc/crontab via cron_file, see documentation."},
      {{{"name", "n"}, {"job", "x"}, {"insertafter", "PATH"}},
       "Insertafter and insertbefore parameters are valid only with env=yes"},
      {{{"name", "n"}, {"job", "x"}, {"env", true}, {"insertafter", "A"}, {"insertbefore", "B"}},
       "parameters are mutually exclusive: insertafter|insertbefore"},
      {{{"name", "MY VAR"}, {"job", "x"}, {"env", true}}, "Invalid name for environment variable"},
      {{{"job", "x"}}, "missing required arguments: name"},
  };
  for (const auto& c : cases) {
    INFO(c.args.dump());
    Json r = f.Cron(c.args).Run();
    CHECK(r["failed"] == true);
    CHECK(r["msg"] == c.msg);
  }
  Json choice = f.Cron({{"name", "n"}, {"job", "x"}, {"special_time", "sometimes"}}).Run();
  CHECK(choice["failed"] == true);
  CHECK(choice["msg"].get<std::string>().starts_with(
      "value of special_time must be one of: reboot, yearly, annually, monthly, weekly, daily, "
      "hourly, got: sometimes"));
  CHECK(f.Installs() == 0);
  CHECK(f.host.changes().empty());

  // No job is needed to remove one, and special_time with "*" fields is fine.
  CHECK(f.Cron({{"name", "n"}, {"state", "absent"}}).Run()["changed"] == false);
  CHECK(f.Cron({{"name", "n"}, {"job", "x"}, {"special_time", "hourly"}, {"hour", "*"}})
            .Run()["changed"] == true);
  CHECK(f.tabs["root"] == "#Ansible: n\n@hourly x\n");
}

TEST_CASE("cron: crontab failures surface as Ansible reports them") {
  CrontabFixture f;
  f.list_rc = 2;
  Json unreadable = f.Cron({{"name", "n"}, {"job", "x"}}).Run();
  CHECK(unreadable["failed"] == true);
  CHECK(unreadable["msg"] == "Unable to read crontab");

  f.list_rc = 0;
  f.install_error = "crontab: user `ghost' unknown\n";
  Json refused = f.Cron({{"name", "n"}, {"user", "ghost"}, {"job", "x"}}).Run();
  CHECK(refused["failed"] == true);
  CHECK(refused["msg"] == "crontab: user `ghost' unknown");
  CHECK_FALSE(f.tabs.contains("ghost"));
}

}  // namespace
}  // namespace tend
