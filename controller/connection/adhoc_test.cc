#include "controller/connection/adhoc.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "controller/cli/command.h"
#include "controller/connection/fact_cache.h"
#include "controller/connection/fake_session.h"

namespace tend {

TEST_CASE("ad-hoc output: command modules print rc and stdout") {
  Json ok{{"changed", true}, {"rc", 0}, {"stdout", "12.5 3.1"}, {"stderr", ""}};
  CHECK(FormatAdhocResult("h1", "command", ok, false) == "h1 | CHANGED | rc=0 >>\n12.5 3.1\n");
  CHECK(FormatAdhocResult("h1", "command", ok, true) ==
        "h1 | CHANGED | rc=0 | (stdout) 12.5 3.1\n");
  Json bad{{"changed", true},
           {"failed", true},
           {"rc", 2},
           {"stdout", ""},
           {"stderr", "ls: cannot access '/x'"},
           {"msg", "non-zero return code"}};
  CHECK(FormatAdhocResult("h2", "shell", bad, false) ==
        "h2 | FAILED | rc=2 >>\nls: cannot access '/x'non-zero return code\n");
  CHECK(FormatAdhocResult("h2", "raw", bad, true) ==
        "h2 | FAILED | rc=2 | (stdout)  (stderr) ls: cannot access '/x'\n");
}

TEST_CASE("ad-hoc output: other modules print sorted JSON") {
  Json pong{{"ping", "pong"}, {"failed", false}, {"changed", false}};
  CHECK(FormatAdhocResult("h1", "ping", pong, false) ==
        "h1 | SUCCESS => {\n    \"changed\": false,\n    \"ping\": \"pong\"\n}\n");
  CHECK(FormatAdhocResult("h1", "ping", pong, true) ==
        "h1 | SUCCESS => {\"changed\": false,\"ping\": \"pong\"}\n");
  Json unreachable = UnreachableResult(Error{"Failed to connect to the host via ssh: x", {}, {}});
  CHECK(FormatAdhocResult("h3", "ping", unreachable, false) ==
        "h3 | UNREACHABLE! => {\n    \"changed\": false,\n    \"msg\": \"Failed to connect to the "
        "host via ssh: x\",\n    \"unreachable\": true\n}\n");
  CHECK(FormatAdhocResult("h3", "ping", unreachable, true) ==
        "h3 | UNREACHABLE!: Failed to connect to the host via ssh: x\n");
  CHECK(FormatAdhocResult("h4", "raw", Json{{"skipped", true}}, false) == "h4 | SKIPPED\n");
}

TEST_CASE("ad-hoc exit codes: unreachable wins over failed") {
  using S = HostStatus;
  CHECK(AdhocExitCode({S::kOk, S::kChanged}) == kExitOk);
  CHECK(AdhocExitCode({S::kOk, S::kFailed}) == kExitHostFailed);
  CHECK(AdhocExitCode({S::kFailed, S::kUnreachable}) == kExitUnreachable);
}

TEST_CASE("-a parsing: free form, k=v, JSON; specs checked before connecting") {
  auto a = ParseAdhocArgs("command", "cat /proc/uptime chdir=/tmp");
  REQUIRE(a);
  CHECK((*a)["_raw_params"] == "cat /proc/uptime");
  CHECK((*a)["chdir"] == "/tmp");
  CHECK((*ParseAdhocArgs("copy", R"({"dest": "/x", "mode": 420})"))["mode"] == 420);
  CHECK(PrepareModuleArgs("raw", "echo hi")->at("_raw_params") == "echo hi");
  auto misspelt = PrepareModuleArgs("file", "path=/x stat=directory");
  REQUIRE_FALSE(misspelt.has_value());
  CHECK(misspelt.error().message.find("stat") != std::string::npos);
  CHECK((*PrepareModuleArgs("file", "path=/x state=directory"))["state"] == "directory");
}

TEST_CASE("host selection from INI and host lists") {
  std::filesystem::create_directories("/tmp/tend-connection-test");
  std::string path = "/tmp/tend-connection-test/inventory.ini";
  std::ofstream(path) << "[web]\nw1 ansible_host=10.0.0.1\nw2\n[db]\nd1 ansible_port=2222\n"
                         "[prod:children]\nweb\n[web:vars]\nansible_user=deploy\n";
  auto all = SelectHosts({path}, "all", "");
  REQUIRE(all);
  REQUIRE(all->size() == 3);
  auto w1 = std::find_if(all->begin(), all->end(), [](const auto& h) { return h.name == "w1"; });
  REQUIRE(w1 != all->end());
  CHECK(w1->vars.value("ansible_user", "") == "deploy");
  CHECK(w1->vars.value("ansible_host", "") == "10.0.0.1");
  CHECK(SelectHosts({path}, "prod:!w2", "")->size() == 1);
  CHECK(SelectHosts({path}, "all", "db")->at(0).name == "d1");
  CHECK(SelectHosts({"a,b,"}, "all", "")->size() == 2);
}

TEST_CASE("host targets from inventory vars; vars beat the command line") {
  ConnectionOptions cli;
  cli.user = "cli-user";
  cli.private_key = "/cli/key";
  Json vars{{"ansible_host", "10.0.0.7"},
            {"ansible_port", "2222"},
            {"ansible_user", "deploy"},
            {"ansible_connection", "ssh"},
            {"ansible_become", "yes"},
            {"ansible_become_user", "postgres"},
            {"ansible_become_password", "pw"},
            {"ansible_ssh_common_args",
             "-o UserKnownHostsFile=/lab/known_hosts -o StrictHostKeyChecking=accept-new"}};
  auto t = HostTargetFromVars("db1", vars, cli);
  REQUIRE(t);
  CHECK(t->address == "10.0.0.7");
  CHECK(t->port == 2222);
  CHECK(t->user == "deploy");
  CHECK(t->key_files == std::vector<std::string>{"/cli/key"});
  CHECK(t->known_hosts == "/lab/known_hosts");
  CHECK(t->host_key_checking == HostKeyChecking::kAcceptNew);
  CHECK(t->become.enabled);
  CHECK(t->become.user == "postgres");
  CHECK(t->become.password == "pw");

  auto local = HostTargetFromVars("localhost", Json{{"ansible_connection", "local"}}, cli);
  CHECK(local->connection == ConnectionType::kLocal);
  CHECK(local->address == "localhost");
  CHECK(HostTargetFromVars("x", Json{{"ansible_connection", "winrm"}}, cli).error().message ==
        "x: connection type 'winrm' is not supported (ssh, local)");
  CHECK(HostTargetFromVars("x", Json{{"ansible_become", "maybe"}}, cli).error().message ==
        "x: ansible_become: expected a boolean, got 'maybe'");
}

TEST_CASE("session pool: one open per host, unreachable stays unreachable") {
  FakeSessionFactory factory;
  factory.unreachable["h2"] = "Failed to connect to the host via ssh: refused";
  SessionPool pool(factory);
  std::vector<HostTarget> targets(3);
  targets[0].name = "h1";
  targets[1].name = "h2";
  targets[2].name = "h3";
  pool.OpenAll(targets, 3);
  CHECK(factory.opens == 3);
  for (int round = 0; round < 2; ++round) {
    for (const auto& t : targets) {
      auto s = pool.Get(t);
      if (t.name == "h2") {
        REQUIRE(!s);
        CHECK(s.error().message == "Failed to connect to the host via ssh: refused");
        continue;
      }
      REQUIRE(s);
      ModuleCall call;
      call.module = "ping";
      CHECK((*s)->Run(call)->at("ping") == "pong");
    }
  }
  CHECK(factory.opens == 3);
  CHECK(factory.calls.size() == 4);
}

TEST_CASE("parallel loop visits every index once with a fork limit") {
  std::vector<int> seen(100, 0);
  ForEachParallel(seen.size(), 7, [&](size_t i) { ++seen[i]; });
  CHECK(std::count(seen.begin(), seen.end(), 1) == 100);
}

TEST_CASE("fact cache: write, read, expire") {
  std::string dir = "/tmp/tend-connection-test-cache";
  std::filesystem::remove_all(dir);
  CHECK(!ReadCachedFacts(dir, "h1", 60));
  Json facts{{"ansible_distribution", "Debian"}};
  REQUIRE(WriteCachedFacts(dir, "h1", facts));
  CHECK(ReadCachedFacts(dir, "h1", 60) == facts);
  std::filesystem::last_write_time(
      dir + "/h1", std::filesystem::file_time_type::clock::now() - std::chrono::hours(2));
  CHECK(!ReadCachedFacts(dir, "h1", 3600));
  CHECK(ReadCachedFacts(dir, "h1", 0) == facts);
}

}  // namespace tend
