#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>

#include "core/hash.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

FakeHost FragmentHost() {
  FakeHost host = MakeHost();
  host.AddFile("/srv/frag/10-b", "b1\nb2");
  host.AddFile("/srv/frag/05-a", "a1\n");
  host.AddFile("/srv/frag/20-c", "c1\n");
  host.AddFile("/srv/frag/.hidden", "h\n");
  host.AddDirectory("/srv/frag/subdir");
  host.AddFile("/srv/frag/subdir/x", "never\n");
  host.AddFile("/srv/other/linked", "l1\n");
  host.AddLink("/srv/frag/30-link", "/srv/other/linked");
  host.AddDirectory("/etc/app");
  host.ClearRecords();
  return host;
}

TEST_CASE("assemble: fragments in name order, newline between, idempotent, check mode") {
  FakeHost host = FragmentHost();
  Task task{host, "assemble", {{"src", "/srv/frag"}, {"dest", "/etc/app/app.conf"}}};
  CheckCheckMode(task);
  CHECK(host.Find("/etc/app/app.conf") == nullptr);
  CheckIdempotent(task);
  // Ansible sorts names bytewise: ".hidden" comes first.
  CHECK(host.Content("/etc/app/app.conf") == "h\na1\nb1\nb2\nc1\nl1\n");
  Json r = task.Run();
  CHECK(r["msg"] == "OK");
  CHECK(r["checksum"] == Sha1Hex("h\na1\nb1\nb2\nc1\nl1\n"));
  CHECK(r["md5sum"] == HexDigest(HashAlgorithm::kMd5, "h\na1\nb1\nb2\nc1\nl1\n"));
  CHECK(r["src"] == "/srv/frag");
  CHECK(r["dest"] == "/etc/app/app.conf");
  CHECK(r["state"] == "file");
  CHECK(r["mode"] == "0644");
}

TEST_CASE("assemble: delimiter (escapes decoded), regexp, ignore_hidden") {
  FakeHost host = FragmentHost();
  Task task{host,
            "assemble",
            {{"src", "/srv/frag"},
             {"dest", "/etc/app/app.conf"},
             {"delimiter", "# ---\\t"},
             {"regexp", "^[0-9]+-[ab]$"},
             {"ignore_hidden", true}}};
  CheckIdempotent(task);
  CHECK(host.Content("/etc/app/app.conf") == "a1\n# ---\t\nb1\nb2");
  Task hidden{host,
              "assemble",
              {{"src", "/srv/frag"},
               {"dest", "/etc/app/two.conf"},
               {"delimiter", "#--\\n"},
               {"ignore_hidden", true}}};
  CheckIdempotent(hidden);
  CHECK(host.Content("/etc/app/two.conf") == "a1\n#--\nb1\nb2\n#--\nc1\n#--\nl1\n");
  Json bad =
      Task{host, "assemble", {{"src", "/srv/frag"}, {"dest", "/etc/app/x"}, {"regexp", "("}}}.Run();
  CHECK(bad["failed"] == true);
  CHECK(bad["msg"].get<std::string>().starts_with("Invalid Regexp ("));
  CHECK(bad["msg"].get<std::string>().ends_with(") in \"(\""));
}

TEST_CASE("assemble: backup of the old file, then mode and owner alone") {
  FakeHost host = FragmentHost();
  host.AddFile("/etc/app/app.conf", "old\n");
  host.ClearRecords();
  Json r =
      Task{
          host, "assemble", {{"src", "/srv/frag"}, {"dest", "/etc/app/app.conf"}, {"backup", true}}}
          .Run();
  REQUIRE(r.contains("backup_file"));
  CHECK(host.Content(r["backup_file"]) == "old\n");
  Task attrs{host,
             "assemble",
             {{"src", "/srv/frag"},
              {"dest", "/etc/app/app.conf"},
              {"mode", "0640"},
              {"owner", "app"},
              {"group", "app"}}};
  host.ClearRecords();
  CheckCheckMode(attrs);
  CheckIdempotent(attrs);
  auto info = host.Stat("/etc/app/app.conf");
  CHECK(info->mode == 0640);
  CHECK(info->uid == 1001);
  CHECK(info->gid == 1001);
  Json facts = attrs.Run();
  CHECK(facts["owner"] == "app");
  CHECK(facts["mode"] == "0640");
}

TEST_CASE("assemble: validate runs on the new file; a failure leaves dest alone") {
  FakeHost host = FragmentHost();
  host.AddFile("/etc/app/app.conf", "old\n");
  host.OnRun([](const ProcessSpec&, FakeHost&) { return ProcessResult{1, "", "bad syntax"}; });
  host.ClearRecords();
  Json r = Task{host,
                "assemble",
                {{"src", "/srv/frag"}, {"dest", "/etc/app/app.conf"}, {"validate", "check %s"}}}
               .Run();
  CHECK(r["failed"] == true);
  CHECK(r["msg"] == "failed to validate: rc:1 error:bad syntax");
  CHECK(host.Content("/etc/app/app.conf") == "old\n");
  REQUIRE(host.commands().size() == 1);
  CHECK(host.commands()[0].starts_with("check /etc/app/.app.conf.tend-validate-"));
  Json no_s = Task{host,
                   "assemble",
                   {{"src", "/srv/frag"}, {"dest", "/etc/app/app.conf"}, {"validate", "check"}}}
                  .Run();
  CHECK(no_s["msg"] == "validate must contain %s: check");
}

TEST_CASE("assemble: errors for src and dest") {
  FakeHost host = FragmentHost();
  auto run = [&](const char* src, const char* dest) {
    return Task{host, "assemble", {{"src", src}, {"dest", dest}}}.Run()["msg"];
  };
  CHECK(run("/srv/none", "/etc/app/x") == "Source (/srv/none) does not exist");
  CHECK(run("/srv/frag/05-a", "/etc/app/x") == "Source (/srv/frag/05-a) is not a directory");
  CHECK(run("/srv/frag", "/etc/app") == "attempted to take checksum of directory: /etc/app");
  CHECK(run("/srv/frag", "/etc/none/x") == "Destination directory /etc/none does not exist");
  CHECK(Task{host, "assemble", {{"src", "/srv/frag"}}}.Run()["msg"] ==
        "missing required arguments: dest");
  CHECK(host.changes().empty());
}

TEST_CASE("assemble: content assembled by the controller streams only when it differs") {
  FakeHost host = FragmentHost();
  std::string text = "from\ncontroller\n";
  Json descriptor{{"sha1", Sha1Hex(text)}, {"size", text.size()}};
  Task task{host,
            "assemble",
            {{"src", "local/frags"},
             {"dest", "/etc/app/ctl.conf"},
             {"remote_src", false},
             {"_content", descriptor}}};
  task.controller_content = StringSource(text);
  CheckCheckMode(task);
  CheckIdempotent(task);
  CHECK(host.Content("/etc/app/ctl.conf") == text);
  // Same checksum: nothing is asked of the controller.
  Json same = task.Run();
  CHECK(same["changed"] == false);
  CHECK(same["src"] == "local/frags");
  CHECK(same["checksum"] == Sha1Hex(text));
  CHECK(task.fetches == 0);
  host.AddFile("/etc/app/ctl.conf", "edited by hand\n");
  task.check = true;
  CHECK(task.Run()["changed"] == true);
  CHECK(task.fetches == 0);
  task.check = false;
  CHECK(task.Run()["changed"] == true);
  CHECK(task.fetches == 1);
  CHECK(host.Content("/etc/app/ctl.conf") == text);
}

TEST_CASE("assemble: diff mode shows the assembled text") {
  FakeHost host = FragmentHost();
  host.AddFile("/etc/app/app.conf", "old\n");
  Task task{host,
            "assemble",
            {{"src", "/srv/frag"}, {"dest", "/etc/app/app.conf"}, {"ignore_hidden", true}}};
  task.check = true;
  task.diff = true;
  Json r = task.Run();
  CHECK(r["diff"][0]["before"] == "old\n");
  CHECK(r["diff"][0]["after"] == "a1\nb1\nb2\nc1\nl1\n");
  CHECK(host.Content("/etc/app/app.conf") == "old\n");
}

}  // namespace
}  // namespace tend
