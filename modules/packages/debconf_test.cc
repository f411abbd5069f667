#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <set>

#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/parsers/tools_parse.h"
#include "modules/testing/fake_tools.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_tools_test;

struct FakeDebconf {
  struct Answer {
    std::string type;
    std::string value;
    bool seen = true;
  };
  std::map<std::string, Answer> answers{{"tzdata/Areas", {"select", "Etc"}},
                                        {"tzdata/Zones/Europe", {"select", ""}},
                                        {"tzdata/flag", {"boolean", "true"}},
                                        {"tzdata/secret", {"password", "old-secret"}},
                                        {"tzdata/langs", {"multiselect", "de, en"}}};
  std::vector<std::string> stdin_seen;

  ProcessResult Handle(const ProcessSpec& spec) {
    std::string tool = BaseName(spec.argv[0]);
    if (tool == "debconf-show") {
      if (Arg(spec, 1) != "tzdata") return {0, "", ""};
      std::string out;
      for (const auto& [q, a] : answers) {
        std::string shown = a.type == "password" ? "(password omitted)" : a.value;
        out += fmt::format("{} {}: {}\n", a.seen ? "*" : " ", q, shown);
      }
      return {0, out, ""};
    }
    if (tool == "debconf-get-selections") {
      std::string out;
      for (const auto& [q, a] : answers)
        out += "tzdata\t" + q + "\t" + a.type + "\t" + a.value + "\n";
      return {0, out, ""};
    }
    if (tool == "debconf-set-selections") {
      stdin_seen.push_back(spec.stdin_data.value_or(""));
      auto f = tools::SplitFields(*spec.stdin_data, 4);
      answers[f[1]] = {f[2], f.size() > 3 ? f[3] : "", !HasArg(spec, "-u")};
      return {};
    }
    return {127, "", "not faked"};
  }
};

struct DebconfFixture {
  FakeHost host = MakeHost();
  FakeDebconf debconf;

  DebconfFixture() {
    for (const char* tool : {"/usr/bin/debconf-show", "/usr/bin/debconf-get-selections"}) {
      host.AddFile(tool, "", 0755);
    }
    host.OnRun([this](const ProcessSpec& spec, FakeHost&) { return debconf.Handle(spec); });
    host.ClearRecords();
  }

  Task Set(const char* question, const char* vtype, Json value) {
    return Task{.host = host,
                .module = "debconf",
                .args = {{"name", "tzdata"},
                         {"question", question},
                         {"vtype", vtype},
                         {"value", std::move(value)}}};
  }
  int Sets() const {
    int n = 0;
    for (const auto& c : host.commands()) n += c.starts_with("debconf-set-selections");
    return n;
  }
};

TEST_CASE("debconf: sets an answer through debconf-set-selections once") {
  DebconfFixture f;
  Task task = f.Set("tzdata/Areas", "select", "Europe");
  task.diff = true;
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["current"] == Json{{"tzdata/Areas", "Europe"}});
  CHECK(first["previous"] == Json{{"tzdata/Areas", "Etc"}});
  CHECK(first["diff"] ==
        Json{{"before", {{"tzdata/Areas", "Etc"}}}, {"after", {{"tzdata/Areas", "Europe"}}}});
  CHECK(f.debconf.stdin_seen == std::vector<std::string>{"tzdata tzdata/Areas select Europe"});
  f.host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(second["current"]["tzdata/Areas"] == "Europe");
  CHECK(f.Sets() == 0);

  Json fresh = f.Set("tzdata/new", "string", "x").Run();
  CHECK(fresh["previous"] == Json{{"tzdata/new", ""}});
}

TEST_CASE("debconf: booleans, multiselect lists, unseen, check mode") {
  DebconfFixture f;
  CHECK(f.Set("tzdata/flag", "boolean", true).Run()["changed"] == false);
  CHECK(f.Set("tzdata/flag", "boolean", "True").Run()["changed"] == false);
  CHECK(f.Set("tzdata/flag", "boolean", "yes").Run()["changed"] == true);
  CHECK(f.debconf.stdin_seen.back() == "tzdata tzdata/flag boolean yes");

  CHECK(f.Set("tzdata/langs", "multiselect", Json::array({"en", "de"})).Run()["changed"] == false);
  Json more = f.Set("tzdata/langs", "multiselect", Json::array({"fr", "en"})).Run();
  CHECK(more["changed"] == true);
  CHECK(f.debconf.stdin_seen.back() == "tzdata tzdata/langs multiselect fr, en");

  Task unseen = f.Set("tzdata/Areas", "select", "Asia");
  unseen.args["unseen"] = true;
  unseen.Run();
  CHECK(f.host.commands().back() == "debconf-set-selections -u");
  CHECK_FALSE(f.debconf.answers["tzdata/Areas"].seen);

  f.host.ClearRecords();
  Task check = f.Set("tzdata/Areas", "select", "America");
  check.check = true;
  CHECK(check.Run()["changed"] == true);
  CHECK(f.Sets() == 0);
  CHECK(f.debconf.answers["tzdata/Areas"].value == "Asia");
}

TEST_CASE("debconf: a password is compared via debconf-get-selections and never shown") {
  DebconfFixture f;
  CHECK(f.Set("tzdata/secret", "password", "old-secret").Run()["changed"] == false);
  Task task = f.Set("tzdata/secret", "password", "new-secret");
  task.diff = true;
  Json r = task.Run();
  CHECK(r["changed"] == true);
  CHECK(r.dump().find("new-secret") == std::string::npos);
  CHECK(r.dump().find("old-secret") == std::string::npos);
  CHECK(r["current"]["tzdata/secret"] == "********");
  CHECK(r["diff"]["after"]["tzdata/secret"] == "********");
  CHECK(f.debconf.answers["tzdata/secret"].value == "new-secret");
  CHECK(DebconfSpec().FindArg("value")->no_log);
  CHECK(f.Set("tzdata/secret", "password", "new-secret").Run()["changed"] == false);
}

TEST_CASE("debconf: listing, argument and tool errors") {
  DebconfFixture f;
  Json all = Task{.host = f.host, .module = "debconf", .args = {{"name", "tzdata"}}}.Run();
  CHECK(all["changed"] == false);
  CHECK(all["current"]["tzdata/Areas"] == "Etc");
  CHECK(all["current"].size() == 5);
  Json partial = Task{.host = f.host,
                      .module = "debconf",
                      .args = {{"pkg", "tzdata"}, {"selection", "tzdata/Areas"}}}
                     .Run();
  CHECK(partial["msg"] == "parameters are required together: question, vtype, value");
  Json bad = f.Set("tzdata/Areas", "choice", "x").Run();
  CHECK(bad["msg"].get<std::string>().starts_with("value of vtype must be one of: boolean, error"));
  (void)f.host.Remove("/usr/bin/debconf-show");
  CHECK(f.Set("tzdata/Areas", "select", "x")
            .Run()["msg"]
            .get<std::string>()
            .starts_with("Failed to find required executable \"debconf-show\""));
}

}  // namespace
}  // namespace tend
