#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>

#include "core/hash.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

struct IniCase {
  const char* name;
  std::optional<std::string> before;
  const char* args;
  std::string after;
  bool changed;
  std::string msg;
};

// Expected texts as community.general.ini_file writes them.
const IniCase kIniCases[] = {
    {"new file gets a section", std::nullopt,
     R"({"section": "drinks", "option": "fav", "value": "lemonade"})",
     "\n[drinks]\nfav = lemonade\n", true, "section and option added"},
    {"option added at the end of its section", "[drinks]\nfav = lemonade\n\n[food]\nx = 1\n",
     R"({"section": "drinks", "option": "temperature", "value": "cold"})",
     "[drinks]\nfav = lemonade\ntemperature = cold\n\n[food]\nx = 1\n", true, "option added"},
    {"value changed in place", "[drinks]\nfav=lemonade\n",
     R"({"section": "drinks", "option": "fav", "value": "water"})", "[drinks]\nfav = water\n", true,
     "option changed"},
    {"already right", "[drinks]\nfav = lemonade\n",
     R"({"section": "drinks", "option": "fav", "value": "lemonade"})", "[drinks]\nfav = lemonade\n",
     false, "OK"},
    {"reformatted to option = value", "[drinks]\nfav=lemonade\n",
     R"({"section": "drinks", "option": "fav", "value": "lemonade"})", "[drinks]\nfav = lemonade\n",
     true, "option changed"},
    {"ignore_spaces keeps the line", "[drinks]\nfav=lemonade\n",
     R"({"section": "drinks", "option": "fav", "value": "lemonade", "ignore_spaces": true})",
     "[drinks]\nfav=lemonade\n", false, "OK"},
    {"no_extra_spaces", "[drinks]\n",
     R"({"section": "drinks", "option": "fav", "value": "tea", "no_extra_spaces": true})",
     "[drinks]\nfav=tea\n", true, "option added"},
    {"inserted before trailing comments and blanks", "[a]\nx = 1\n# note\n\n[b]\ny = 2\n",
     R"({"section": "a", "option": "z", "value": "3"})",
     "[a]\nx = 1\nz = 3\n# note\n\n[b]\ny = 2\n", true, "option added"},
    {"global option before the first section", "[a]\nx=1\n", R"({"option": "g", "value": "1"})",
     "g = 1\n[a]\nx=1\n", true, "option added"},
    {"global option into an empty file", "", R"({"option": "g", "value": "1"})", "g = 1\n\n", true,
     "option added"},
    {"missing trailing newline is added", "[a]\nx = 1",
     R"({"section": "a", "option": "x", "value": "1"})", "[a]\nx = 1\n", true, "OK"},
    {"commented option is replaced", "[a]\n# x = 1\ny = 2\n",
     R"({"section": "a", "option": "x", "value": "5"})", "[a]\nx = 5\ny = 2\n", true,
     "option changed"},
    {"modify_inactive_option false keeps the comment", "[a]\n# x = 1\ny = 2\n",
     R"({"section": "a", "option": "x", "value": "5", "modify_inactive_option": false})",
     "[a]\n# x = 1\ny = 2\nx = 5\n", true, "option added"},
    {"values exclusive replace all", "[a]\nv = 1\nv = 2\nv = 3\n",
     R"({"section": "a", "option": "v", "values": ["3", "4"]})", "[a]\nv = 4\nv = 3\n", true,
     "option changed"},
    {"values not exclusive add", "[a]\nv = 1\n",
     R"({"section": "a", "option": "v", "values": ["2", "1"], "exclusive": false})",
     "[a]\nv = 1\nv = 2\n", true, "option added"},
    {"absent option", "[a]\nx = 1\ny = 2\nx = 3\n",
     R"({"section": "a", "option": "x", "state": "absent"})", "[a]\ny = 2\n", true,
     "option changed"},
    {"absent one value", "[a]\nx = 1\ny = 2\nx = 3\n",
     R"({"section": "a", "option": "x", "value": "3", "state": "absent", "exclusive": false})",
     "[a]\nx = 1\ny = 2\n", true, "option changed"},
    {"absent section", "[a]\nx = 1\n[b]\ny = 2\n", R"({"section": "a", "state": "absent"})",
     "[b]\ny = 2\n", true, "section removed"},
    {"absent missing option", "[a]\nx = 1\n",
     R"({"section": "a", "option": "q", "state": "absent"})", "[a]\nx = 1\n", false, "OK"},
    {"allow_no_value", "[mysqld]\nport = 3306\n",
     R"({"section": "mysqld", "option": "skip-name-resolve", "allow_no_value": true})",
     "[mysqld]\nport = 3306\nskip-name-resolve\n", true, "option added"},
    {"allow_no_value already there", "[mysqld]\nskip-name-resolve\n",
     R"({"section": "mysqld", "option": "skip-name-resolve", "allow_no_value": true})",
     "[mysqld]\nskip-name-resolve\n", false, "OK"},
    {"only section added", "[a]\n", R"({"section": "b", "allow_no_value": true})", "[a]\n[b]\n",
     true, "only section added"},
    {"section with spaces in the header", "[ drinks ]\nfav = tea\n",
     R"({"section": "drinks", "option": "fav", "value": "coffee"})", "[ drinks ]\nfav = coffee\n",
     true, "option changed"},
    {"section_has_values picks the peer",
     "[Peer]\nAllowedIps = 10.0.0.1/32\nPublicKey = a\n\n[Peer]\nAllowedIps = "
     "10.0.0.2/32\nPublicKey = b\n",
     R"({"section": "Peer", "section_has_values": [{"option": "AllowedIps", "value": "10.0.0.2/32"}], "option": "PublicKey", "value": "c"})",
     "[Peer]\nAllowedIps = 10.0.0.1/32\nPublicKey = a\n\n[Peer]\nAllowedIps = "
     "10.0.0.2/32\nPublicKey = c\n",
     true, "option changed"},
    {"section_has_values adds a new section", "[Peer]\nAllowedIps = 10.0.0.1/32\n",
     R"({"section": "Peer", "section_has_values": [{"option": "AllowedIps", "value": "10.0.0.3/32"}], "option": "PublicKey", "value": "d"})",
     "[Peer]\nAllowedIps = 10.0.0.1/32\n[Peer]\nAllowedIps = 10.0.0.3/32\nPublicKey = d\n", true,
     "section and option added"},
    {"option_prefix_spaces", "[default]\n",
     R"({"section": "default", "option": "url", "value": "http://x", "option_prefix_spaces": 2})",
     "[default]\n  url = http://x\n", true, "option added"},
    {"option name is a prefix of another", "[a]\nfavorite = 1\n",
     R"({"section": "a", "option": "fav", "value": "2"})", "[a]\nfavorite = 1\nfav = 2\n", true,
     "option added"},
    {"duplicate section uses the first", "[a]\nx = 1\n[a]\nx = 2\n",
     R"({"section": "a", "option": "x", "value": "9"})", "[a]\nx = 9\n[a]\nx = 2\n", true,
     "option changed"},
};

TEST_CASE("ini_file: Ansible's formatting, table-driven") {
  for (const auto& c : kIniCases) {
    INFO(c.name);
    FakeHost host = MakeHost();
    if (c.before) host.AddFile("/srv/app.ini", *c.before);
    host.ClearRecords();
    Json args = Json::parse(c.args);
    args["path"] = "/srv/app.ini";
    Task task{host, "ini_file", args};
    Json r = task.Run();
    REQUIRE_MESSAGE(r["failed"] != true, r.dump());
    CHECK(host.Content("/srv/app.ini") == c.after);
    CHECK(r["changed"] == c.changed);
    CHECK(r["msg"] == c.msg);
    CHECK(host.changes().empty() == !c.changed);
    host.ClearRecords();
    Json again = task.Run();
    CHECK(again["changed"] == false);
    CHECK(host.changes().empty());
  }
}

TEST_CASE("ini_file: idempotent and check mode, mode on a new file, dest alias") {
  FakeHost host = MakeHost();
  Task task{host,
            "ini_file",
            {{"dest", "/srv/conf/app.ini"},
             {"section", "main"},
             {"option", "port"},
             {"value", 8080},
             {"mode", "0600"}}};
  CheckCheckMode(task);
  CHECK(host.Find("/srv/conf") == nullptr);
  CheckIdempotent(task);
  CHECK(host.Content("/srv/conf/app.ini") == "\n[main]\nport = 8080\n");
  CHECK(host.Stat("/srv/conf")->mode == 0755);
  CHECK(host.Stat("/srv/conf/app.ini")->mode == 0600);
  Json r = task.Run();
  CHECK(r["path"] == "/srv/conf/app.ini");
  CHECK(r["mode"] == "0600");
  CHECK(r["state"] == "file");
}

TEST_CASE("ini_file: attributes change alone; check mode leaves them (as Ansible)") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/app.ini", "[main]\nport = 1\n");
  host.ClearRecords();
  Task task{host,
            "ini_file",
            {{"path", "/srv/app.ini"},
             {"section", "main"},
             {"option", "port"},
             {"value", "1"},
             {"owner", "app"}}};
  task.check = true;
  CHECK(task.Run()["changed"] == false);
  task.check = false;
  CheckIdempotent(task);
  CHECK(host.Stat("/srv/app.ini")->uid == 1001);
}

TEST_CASE("ini_file: diff mode, backup") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/app.ini", "[main]\nport = 1\n");
  host.ClearRecords();
  Task task{host,
            "ini_file",
            {{"path", "/srv/app.ini"},
             {"section", "main"},
             {"option", "port"},
             {"value", "2"},
             {"backup", true}}};
  task.diff = true;
  task.check = true;
  Json checked = task.Run();
  CHECK(checked["diff"]["before"] == "[main]\nport = 1\n");
  CHECK(checked["diff"]["after"] == "[main]\nport = 2\n");
  CHECK(checked["diff"]["before_header"] == "/srv/app.ini (content)");
  CHECK_FALSE(checked.contains("backup_file"));
  CHECK(host.changes().empty());
  task.check = false;
  Json r = task.Run();
  REQUIRE(r.contains("backup_file"));
  CHECK(host.Content(r["backup_file"]) == "[main]\nport = 1\n");
  CHECK(host.Content("/srv/app.ini") == "[main]\nport = 2\n");
  task.diff = false;
  Json quiet = task.Run();
  CHECK(quiet["diff"]["before"] == "");
  CHECK(quiet["changed"] == false);
}

TEST_CASE("ini_file: follow edits the link's target; without it the link is replaced") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/real.ini", "[a]\nx = 1\n");
  host.AddLink("/srv/link.ini", "real.ini");
  host.ClearRecords();
  Json r = Task{
      host,
      "ini_file",
      {{"path", "/srv/link.ini"},
       {"section", "a"},
       {"option", "x"},
       {"value", "2"},
       {"follow",
        true}}}.Run();
  CHECK(r["changed"] == true);
  CHECK(host.Content("/srv/real.ini") == "[a]\nx = 2\n");
  CHECK(host.Find("/srv/link.ini")->kind == FileKind::kLink);
}

TEST_CASE("ini_file: CRLF and a UTF-8 BOM are read as Python reads them") {
  FakeHost host = MakeHost();
  host.AddFile("/srv/app.ini", "\xEF\xBB\xBF[a]\r\nx = 1\r\n");
  host.ClearRecords();
  Json same = Task{host,
                   "ini_file",
                   {{"path", "/srv/app.ini"}, {"section", "a"}, {"option", "x"}, {"value", "1"}}}
                  .Run();
  CHECK(same["changed"] == false);
  Json r = Task{host,
                "ini_file",
                {{"path", "/srv/app.ini"}, {"section", "a"}, {"option", "y"}, {"value", "2"}}}
               .Run();
  CHECK(r["changed"] == true);
  CHECK(host.Content("/srv/app.ini") == "[a]\nx = 1\ny = 2\n");
}

TEST_CASE("ini_file: errors") {
  FakeHost host = MakeHost();
  auto run = [&](Json args) { return Task{host, "ini_file", std::move(args)}.Run(); };
  Json missing = run({{"path", "/srv/none.ini"},
                      {"section", "a"},
                      {"option", "x"},
                      {"value", "1"},
                      {"create", false}});
  CHECK(missing["failed"] == true);
  CHECK(missing["rc"] == 257);
  CHECK(missing["msg"] == "Destination /srv/none.ini does not exist!");
  CHECK(run({{"path", "/srv"}, {"section", "a"}, {"option", "x"}, {"value", "1"}})["msg"] ==
        "[Errno 21] Is a directory: '/srv'");
  CHECK(run({{"path", "/srv/a.ini"}, {"section", "a"}, {"option", "x"}})["msg"] ==
        "Parameter 'value(s)' must be defined if state=present and allow_no_value=False.");
  CHECK(run({{"path", "/srv/a.ini"},
             {"option", "x"},
             {"value", "1"},
             {"values", Json::array({"2"})}})["msg"] ==
        "parameters are mutually exclusive: value|values");
  CHECK(run({{"path", "/srv/a.ini"},
             {"section", "a"},
             {"section_has_values", Json::array({{{"value", "1"}}})},
             {"option", "x"},
             {"value", "1"}})["msg"] ==
        "section_has_values: each entry needs an option (a string)");
  CHECK(run({{"section", "a"}})["msg"] == "missing required arguments: path");
  CHECK(host.changes().empty());
}

}  // namespace
}  // namespace tend
