#include "controller/cli/adhoc.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "controller/cli/command.h"
#include "controller/connection/host_session.h"
#include "controller/playbook/loader.h"
#include "controller/playbook/test_files.h"

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

TEST_CASE("ad-hoc output: failed, diff and exception are not printed, as Ansible's clean_copy does") {
  Json failed{{"changed", false}, {"failed", true}, {"msg", "Unable to open file"},
              {"exception", "Traceback ..."}};
  CHECK(FormatAdhocResult("h1", "community.general.read_csv", failed, false) ==
        "h1 | FAILED! => {\n    \"changed\": false,\n    \"msg\": \"Unable to open file\"\n}\n");
  Json changed{{"changed", true}, {"diff", {{"before", ""}, {"after", "x\n"}}}, {"msg", "x"}};
  CHECK(FormatAdhocResult("h1", "pam_limits", changed, true) ==
        "h1 | CHANGED => {\"changed\": true,\"msg\": \"x\"}\n");
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

// A task's `module: text` and `tend run -m module -a text` used to go through
// different parsers (the playbook kept the command's spacing, -a split with
// shell rules and removed quotes inside values); both now use ParseFreeFormArgs.
TEST_CASE("a playbook task and tend run -a read the same text the same way") {
  const std::pair<const char*, const char*> cases[] = {
      {"command", "echo  'a  b'   removes=/x chdir=/tmp"},
      {"shell", "cd /tmp\nls -l | wc -l executable=/bin/bash"},
      {"command", R"(echo it\'s cmd=x)"},
      {"file", R"(path=/x owner=a"b c"d mode='0644' state=directory)"},
      {"copy", R"(dest=/x content="a\tb" force=yes)"},
      {"apt", "name=git update_cache=yes"},
      {"debug", "msg={{ a | default('x y') }}"},
  };
  for (const auto& [module, text] : cases) {
    CAPTURE(module);
    CAPTURE(text);
    TestDir dir;
    Json task = Json::object();
    task[module] = text;
    Json play = {{"hosts", "all"}, {"tasks", Json::array({task})}};
    dir.Write("site.yml", Json::array({play}).dump());
    PlaybookLoader loader;
    auto book = loader.Load(dir.Path("site.yml"));
    REQUIRE_MESSAGE(book.has_value(), book.error().ToString());
    auto adhoc = ParseAdhocArgs(module, text);
    REQUIRE_MESSAGE(adhoc.has_value(), adhoc.error().message);
    CHECK(book->plays[0].tasks[0].args.dump() == adhoc->dump());
  }
}

}  // namespace tend
