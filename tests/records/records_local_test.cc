// Run records end to end: the built `tend` against this machine over the
// local connection, then the reading commands, the database file itself, and
// the report rendered in headless Chromium.

#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "controller/records/sqlite_db.h"
#include "core/json.h"
#include "tests/support/lab_shell.h"

namespace {

namespace fs = std::filesystem;
using tend::labtest::Contains;
using tend::labtest::Run;
using tend::labtest::Sh;
using tend::labtest::Slurp;

struct Scratch {
  Scratch() {
    std::string tmpl = (fs::temp_directory_path() / "tend-records-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
    tend::labtest::UseBuiltAgent();
    tend = tend::labtest::TendBinary();
    suite = tend::labtest::SourceDir() + "/tests/records";
    db = dir + "/records.db";
  }
  ~Scratch() { fs::remove_all(dir); }
  Run Tend(const std::string& args) const { return Sh(tend + " " + args); }
  Run Play(const std::string& playbook, const std::string& extra = "") const {
    return Tend("play -i localhost, -c local --records " + db + " -e out_dir=" + dir + " " +
                extra + " " + suite + "/" + playbook);
  }
  std::string dir, tend, suite, db;
};

// Everything the database holds on disk, log files included.
std::string DatabaseBytes(const std::string& db) {
  std::string all;
  for (const char* suffix : {"", "-wal", "-journal"}) {
    if (fs::exists(db + suffix)) all += Slurp(db + suffix);
  }
  return all;
}

// The secrets playbook in the scratch directory, its vars file vaulted.
std::string SecretsPlaybook(const Scratch& s) {
  Sh("printf 'pw\\n' > " + s.dir + "/pass");
  Run enc = s.Tend("vault encrypt_string --vault-password-file " + s.dir +
                   "/pass --name vaulted VAULT-SECRET-9931");
  REQUIRE(enc.rc == 0);
  std::ofstream(s.dir + "/vaulted.yml") << enc.out;
  fs::copy_file(s.suite + "/secrets.yml", s.dir + "/secrets.yml");
  return "--vault-password-file " + s.dir + "/pass " + s.dir + "/secrets.yml";
}

TEST_CASE("a run's record never holds a vault value or a no_log result, and reads back") {
  Scratch s;
  Run play = s.Tend("play -i localhost, -c local --records " + s.db + " -e out_dir=" + s.dir +
                    " " + SecretsPlaybook(s));
  INFO(play.out);
  REQUIRE(play.rc == 0);
  REQUIRE(Contains(play.out, "********"));  // the output redacted it: so must the record

  std::string bytes = DatabaseBytes(s.db);
  REQUIRE(bytes.size() > 0);
  CHECK_FALSE(Contains(bytes, "VAULT-SECRET-9931"));
  CHECK_FALSE(Contains(bytes, "HUSH-no-log-4711"));

  Run history = s.Tend("history --records " + s.db);
  INFO(history.out);
  CHECK(Contains(history.out, "play secrets.yml"));
  CHECK(Contains(history.out, " ok\n"));
  Run detail = s.Tend("history 1 --json --records " + s.db);
  auto run = tend::Json::parse(detail.out);
  CHECK(run["status"] == "ok");
  CHECK(run["results"].size() == 5);
  CHECK(run["results"][2]["result"]["censored"].get<std::string>().starts_with(
      "the output has been hidden"));
  CHECK(run["results"][4]["status"] == "failed");
  CHECK(run["results"][4]["ignored"] == true);
  CHECK(run["recap"]["localhost"]["changed"] == 4);  // /bin/false "changed" too, as in Ansible

  Run changes = s.Tend("history --host localhost --records " + s.db);
  CHECK(Contains(changes.out, "write a file"));
  Run hosts = s.Tend("hosts --where 'ansible_system == \"Linux\"' --records " + s.db);
  CHECK(Contains(hosts.out, "localhost"));
  Run none = s.Tend("hosts --where 'ansible_system == \"Plan9\"' --records " + s.db);
  CHECK_FALSE(Contains(none.out, "localhost"));
  Run facts = s.Tend("facts --history localhost --records " + s.db);
  INFO(facts.out);
  CHECK(facts.out.starts_with("GATHERED "));
  CHECK(std::count(facts.out.begin(), facts.out.end(), '\n') == 2);  // one snapshot
}

TEST_CASE("an ad-hoc `tend run` is recorded: history lists it, facts from setup are kept") {
  Scratch s;
  Run run = s.Tend("run localhost -i localhost, -c local --records " + s.db +
                   " -m command -a 'echo ADHOC-7613'");
  INFO(run.out);
  REQUIRE(run.rc == 0);
  Run setup = s.Tend("run localhost -i localhost, -c local --records " + s.db + " -m setup");
  REQUIRE(setup.rc == 0);

  Run history = s.Tend("history --records " + s.db);
  INFO(history.out);
  CHECK(Contains(history.out, "run command"));
  CHECK(Contains(history.out, "run setup"));
  Run detail = s.Tend("history 1 --json --records " + s.db);
  INFO(detail.out);
  auto first = tend::Json::parse(detail.out);
  CHECK(first["status"] == "ok");
  REQUIRE(first["results"].size() == 1);
  CHECK(first["results"][0]["module"] == "command");
  CHECK(first["results"][0]["host"] == "localhost");
  CHECK(first["results"][0]["status"] == "changed");
  CHECK(first["results"][0]["result"]["stdout"] == "ADHOC-7613");
  CHECK(first["recap"]["localhost"]["changed"] == 1);
  Run facts = s.Tend("facts --history localhost --records " + s.db);
  INFO(facts.out);
  CHECK(std::count(facts.out.begin(), facts.out.end(), '\n') == 2);  // the setup run's snapshot
}

TEST_CASE("a run killed with SIGKILL leaves an incomplete record of what finished") {
  Scratch s;
  // Its own process group, so the kill reaches the agent and its sleep too.
  Run bg = Sh("( setsid " + s.tend + " play -i localhost, -c local --records " + s.db + " " + s.suite +
              "/slow.yml > " + s.dir + "/out.txt 2>&1 & echo $! )");
  pid_t pid = std::stoi(bg.out);
  bool recorded = false;
  for (int i = 0; i < 100 && !recorded; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    recorded = Contains(Sh(s.tend + " history 1 --records " + s.db).out, "quick");
  }
  REQUIRE(recorded);
  kill(-pid, SIGKILL);
  Sh("sleep 0.2");
  Run detail = s.Tend("history 1 --records " + s.db);
  INFO(detail.out);
  CHECK(Contains(detail.out, "(incomplete)"));
  CHECK(Contains(detail.out, "quick"));
  CHECK_FALSE(Contains(detail.out, "  slow "));
  Run list = s.Tend("history --records " + s.db);
  CHECK(Contains(list.out, "incomplete"));
}

TEST_CASE("a locked or unreachable database: one warning, the run goes on unrecorded") {
  Scratch s;
  auto locker = tend::OpenSqlite(s.db);
  REQUIRE(locker);
  REQUIRE((*locker)->Exec("CREATE TABLE IF NOT EXISTS x (a INTEGER)"));
  REQUIRE((*locker)->Exec("BEGIN IMMEDIATE"));
  for (const std::string& where : {s.db, std::string("postgresql://tend@127.0.0.1:1/none")}) {
    CAPTURE(where);
    Run play = s.Tend("play -i localhost, -c local --records " + where + " -t quick " + s.suite +
                      "/slow.yml");
    INFO(play.out);
    CHECK(play.rc == 0);
    size_t first = play.out.find("[WARNING]: run records: ");
    REQUIRE(first != std::string::npos);
    CHECK(play.out.find("[WARNING]: run records: ", first + 1) == std::string::npos);
    CHECK(Contains(play.out, "this run goes on unrecorded"));
    CHECK(Contains(play.out, "ok=1"));
  }
}

TEST_CASE("the report renders in headless Chromium with its failures, timeline and diffs") {
  Scratch s;
  REQUIRE(s.Tend("play -i localhost, -c local --diff --records " + s.db + " -e out_dir=" + s.dir +
                 " " + SecretsPlaybook(s)).rc == 0);
  REQUIRE(s.Tend("report --records " + s.db + " -o " + s.dir + "/run.html").rc == 0);
  Run dom = Sh("chromium --headless --no-sandbox --disable-gpu --dump-dom file://" + s.dir +
               "/run.html 2>/dev/null");
  INFO(dom.out);
  REQUIRE(dom.rc == 0);
  CHECK(Contains(dom.out, "<h2 id=\"timeline\">Timeline</h2>"));
  CHECK(Contains(dom.out, "<rect class=\"task changed\""));
  CHECK(Contains(dom.out, "<span class=\"add\">+port=2</span>"));
  CHECK(Contains(dom.out, "<td>localhost</td>"));
  // Ignored failures are not failures of the run.
  CHECK_FALSE(Contains(dom.out, "<h2 id=\"failures\">"));
  Run shot = Sh("cd " + s.dir + " && chromium --headless --no-sandbox --disable-gpu "
                "--window-size=1100,700 --screenshot=" + s.dir + "/run.png file://" + s.dir +
                "/run.html 2>/dev/null");
  CHECK(shot.rc == 0);
  CHECK(fs::file_size(s.dir + "/run.png") > 10000);
}

}  // namespace
