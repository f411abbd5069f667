#include <doctest/doctest.h>
#include <fmt/format.h>

#include <deque>

#include "modules/host/http_client.h"
#include "modules/host/network.h"
#include "modules/parsers/netpg_parsers.h"
#include "modules/postgres/postgresql_user.h"
#include "modules/testing/fake_network.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_network_test;

// Stands in for python3 -m venv and pip: keeps the installed set in a map.
struct FakePython {
  std::map<std::string, std::string> installed{{"pip", "23.0.1"}};
  ProcessResult operator()(const ProcessSpec& spec, FakeHost& host) {
    const auto& argv = spec.argv;
    if (argv[0] == "python3") {
      host.AddFile(argv.back() + "/bin/activate", "");
      host.AddFile(argv.back() + "/bin/pip", "", 0755);
      return {};
    }
    if (argv[1] == "list") {
      Json out = Json::array();
      for (const auto& [n, v] : installed) out.push_back({{"name", n}, {"version", v}});
      return {0, out.dump(), ""};
    }
    if (argv[1] == "install") {
      std::string names;
      for (size_t i = 2; i < argv.size(); ++i) {
        if (argv[i].starts_with("-") || argv[i - 1] == "--find-links") continue;
        auto req = ParsePipRequirement(argv[i]);
        if (!req) return {1, "", "bad requirement"};
        if (req->name == "nosuch") return {1, "", "ERROR: No matching distribution found for nosuch"};
        installed[req->name] = req->version.empty() ? "1.0" : req->version;
        names += " " + req->name;
      }
      return {0, "Successfully installed" + names + "\n", ""};
    }
    if (argv[1] == "uninstall") {
      for (size_t i = 3; i < argv.size(); ++i) installed.erase(NormalizePipName(argv[i]));
      return {0, "Successfully uninstalled\n", ""};
    }
    return {1, "", "unexpected"};
  }
};

TEST_CASE("pip: venv created, only missing installs, second run unchanged, absent, check mode") {
  FakeHost host = NetHost();
  auto python = std::make_shared<FakePython>();
  host.OnRun([python](const ProcessSpec& spec, FakeHost& h) { return (*python)(spec, h); });
  Json args{{"name", Json::array({"tinypkg==0.1", "other"})}, {"virtualenv", "/opt/venv"},
            {"virtualenv_command", "python3 -m venv"}, {"extra_args", "--no-index --find-links /opt/wheels"}};
  CheckCheckMode(Task{host, "pip", args});
  CHECK(host.commands().empty());
  Json first = Task{host, "pip", args}.Run();
  CHECK(first["changed"] == true);
  CHECK(first["cmd"] == "/opt/venv/bin/pip install --no-index --find-links /opt/wheels tinypkg==0.1 other");
  CHECK(host.commands()[0] == "python3 -m venv /opt/venv");
  CHECK(first["virtualenv"] == "/opt/venv");
  CHECK(first["name"] == Json::array({"tinypkg==0.1", "other"}));
  host.ClearRecords();
  Json second = Task{host, "pip", args}.Run();
  CHECK(second["changed"] == false);
  CHECK(host.commands() == std::vector<std::string>{"/opt/venv/bin/pip list --format=json"});
  Json upgrade = Task{host, "pip", {{"name", "tinypkg"}, {"version", "0.2"}, {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(upgrade["changed"] == true);
  CHECK(python->installed["tinypkg"] == "0.2");
  Json removed = Task{host, "pip", {{"name", Json::array({"other", "never-installed"})}, {"state", "absent"},
                                    {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(removed["changed"] == true);
  CHECK(removed["cmd"] == "/opt/venv/bin/pip uninstall -y other");
  Json gone = Task{host, "pip", {{"name", "other"}, {"state", "absent"}, {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(gone["changed"] == false);
  Json failed = Task{host, "pip", {{"name", "nosuch"}, {"virtualenv", "/opt/venv"}}}.Run();
  CHECK(failed["failed"] == true);
  CHECK(failed["msg"] == "\n:stderr: ERROR: No matching distribution found for nosuch");
  Json nopip = Task{host, "pip", {{"name", "x"}}}.Run();
  CHECK(nopip["msg"] == "Unable to find any of pip3 to use.  pip needs to be installed.");
  CHECK(Task{host, "pip", {{"virtualenv", "/opt/venv"}}}.Run()["msg"] ==
        "one of the following is required: name, requirements");
}

}  // namespace
}  // namespace tend
