// Unit tests for find, tempfile, assemble and ini_file on the FakeHost.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>

#include "core/hash.h"
#include "modules/test_support.h"

namespace tend {
namespace {

constexpr int64_t kDay = 86400;

// The found paths, space-separated (readable when a check fails).
std::string Paths(const Json& result) {
  std::string out;
  for (const auto& f : result["files"])
    out += (out.empty() ? "" : " ") + f["path"].get<std::string>();
  return out;
}

// /srv/tree: a small tree with files, a hidden file, a subdirectory, links.
FakeHost TreeHost() {
  FakeHost host = MakeHost();
  host.AddFile("/srv/tree/a.log", "alpha\nerror: disk full\n");
  host.AddFile("/srv/tree/b.txt", std::string(2048, 'b'));
  host.AddFile("/srv/tree/.hidden.log", "h\n");
  host.AddFile("/srv/tree/sub/c.log", "gamma\n", 0600);
  host.AddFile("/srv/tree/sub/deep/d.log", "delta\n");
  host.AddDirectory("/srv/tree/.cache");
  host.AddFile("/srv/tree/.cache/e.log", "e\n");
  host.AddLink("/srv/tree/link.log", "a.log");
  host.AddLink("/srv/tree/sublink", "sub");
  host.ClearRecords();
  return host;
}

Json Find(FakeHost& host, Json args) { return Task{host, "find", std::move(args)}.Run(); }

// ---- find ----

TEST_CASE("find: globs on basenames, files only, one level unless recurse") {
  FakeHost host = TreeHost();
  Json r = Find(host, {{"paths", "/srv/tree"}, {"patterns", "*.log"}});
  CHECK(r["changed"] == false);
  CHECK(r["msg"] == "All paths examined");
  CHECK(Paths(r) == "/srv/tree/a.log");
  CHECK(r["matched"] == 1);
  // a.log b.txt .hidden.log link.log .cache sub sublink
  CHECK(r["examined"] == 7);
  CHECK(r["skipped_paths"] == Json::object());
  const Json& a = r["files"][0];
  CHECK(a["mode"] == "0644");
  CHECK(a["isreg"] == true);
  CHECK(a["isdir"] == false);
  CHECK(a["islnk"] == false);
  CHECK(a["size"] == 23);
  CHECK(a["pw_name"] == "root");
  CHECK(a["gr_name"] == "root");
  CHECK(a["rusr"] == true);
  CHECK(a["wgrp"] == false);
  CHECK(a["xoth"] == false);
  CHECK(a["nlink"] == 1);
  CHECK(a.contains("mtime"));
  CHECK_FALSE(a.contains("checksum"));

  Json deep = Find(host, {{"paths", "/srv/tree/"}, {"patterns", "*.log"}, {"recurse", true}});
  // Hidden files are skipped but hidden directories are still entered, and
  // a link to a directory is not entered without follow.
  CHECK(Paths(deep) ==
        "/srv/tree/a.log /srv/tree/.cache/e.log /srv/tree/sub/c.log /srv/tree/sub/deep/d.log");
  Json hidden = Find(host, {{"paths", "/srv/tree"}, {"patterns", "*.log"}, {"hidden", true}});
  CHECK(Paths(hidden) == "/srv/tree/.hidden.log /srv/tree/a.log");
  CHECK(host.changes().empty());
}

TEST_CASE("find: several patterns, excludes, comma lists, everything by default") {
  FakeHost host = TreeHost();
  Json r = Find(host, {{"paths", "/srv/tree"}, {"patterns", "*.log,*.txt"}, {"excludes", "b*"}});
  CHECK(Paths(r) == "/srv/tree/a.log");
  Json all = Find(host, {{"path", "/srv/tree"}, {"exclude", Json::array({"a.*"})}});
  CHECK(Paths(all) == "/srv/tree/b.txt");
  Json glob_chars = Find(host, {{"paths", "/srv/tree"}, {"pattern", "[ab].???"}});
  CHECK(Paths(glob_chars) == "/srv/tree/a.log /srv/tree/b.txt");
}

TEST_CASE("find: use_regex matches at the start of the name like re.match") {
  FakeHost host = TreeHost();
  Json r = Find(host, {{"paths", "/srv/tree"}, {"patterns", "a"}, {"use_regex", true}});
  CHECK(Paths(r) == "/srv/tree/a.log");
  Json none = Find(host, {{"paths", "/srv/tree"}, {"patterns", "log"}, {"use_regex", true}});
  CHECK(none["matched"] == 0);
  Json ex = Find(host, {{"paths", "/srv/tree"},
                        {"patterns", Json::array({".*\\.(log|txt)$"})},
                        {"excludes", "^b"},
                        {"use_regex", true}});
  CHECK(Paths(ex) == "/srv/tree/a.log");
  Json bad = Find(host, {{"paths", "/srv/tree"}, {"patterns", "("}, {"use_regex", true}});
  CHECK(bad["failed"] == true);
  CHECK(bad["msg"].get<std::string>().starts_with("patterns is not a valid regular expression"));
}

TEST_CASE("find: file_type directory, link and any; depth") {
  FakeHost host = TreeHost();
  Json dirs = Find(host, {{"paths", "/srv/tree"}, {"file_type", "directory"}, {"recurse", true}});
  CHECK(Paths(dirs) == "/srv/tree/sub /srv/tree/sub/deep");
  CHECK(dirs["files"][0]["isdir"] == true);
  Json links = Find(host, {{"paths", "/srv/tree"}, {"file_type", "link"}});
  CHECK(Paths(links) == "/srv/tree/link.log /srv/tree/sublink");
  CHECK(links["files"][0]["islnk"] == true);
  Json any = Find(host, {{"paths", "/srv/tree/sub"}, {"file_type", "any"}});
  CHECK(Paths(any) == "/srv/tree/sub/c.log /srv/tree/sub/deep");
  Json depth1 =
      Find(host, {{"paths", "/srv/tree"}, {"patterns", "*.log"}, {"recurse", true}, {"depth", 2}});
  CHECK(Paths(depth1) == "/srv/tree/a.log /srv/tree/.cache/e.log /srv/tree/sub/c.log");
  Json no_recurse = Find(host, {{"paths", "/srv/tree"}, {"patterns", "*.log"}, {"depth", 5}});
  CHECK(Paths(no_recurse) == "/srv/tree/a.log");
}

TEST_CASE("find: follow enters links to directories, once") {
  FakeHost host = TreeHost();
  host.AddLink("/srv/tree/sub/deep/loop", "/srv/tree");
  host.ClearRecords();
  Json r = Find(
      host, {{"paths", "/srv/tree"}, {"patterns", "c.log"}, {"recurse", true}, {"follow", true}});
  // Through sub/ and through sublink/; the loop back to the top is cut.
  CHECK(Paths(r) == "/srv/tree/sub/c.log");
  CHECK(r["msg"] == "All paths examined");
}

TEST_CASE("find: age and size, with Ansible's units and signs") {
  FakeHost host = TreeHost();
  int64_t now = host.NowMicros() / 1000000;
  (void)host.SetTimes("/srv/tree/a.log", now - 3 * kDay, now - 3 * kDay);
  host.ClearRecords();
  auto names = [&](Json args) {
    args["paths"] = "/srv/tree";
    return Paths(Find(host, args));
  };
  CHECK(names({{"age", "2d"}}) == "/srv/tree/a.log");
  CHECK(names({{"age", "-1D"}}) == "/srv/tree/b.txt");
  CHECK(names({{"age", "1w"}}) == "");
  CHECK(names({{"age", 259200}}) == "/srv/tree/a.log");
  CHECK(names({{"age", "4d"}, {"age_stamp", "atime"}}) == "");
  CHECK(names({{"size", "2k"}}) == "/srv/tree/b.txt");
  CHECK(names({{"size", "-1k"}}) == "/srv/tree/a.log");
  CHECK(names({{"size", "2049"}}) == "");

  Json bad_age = Find(host, {{"paths", "/srv/tree"}, {"age", "2 days"}});
  CHECK(bad_age["failed"] == true);
  CHECK(bad_age["msg"] == "failed to process age");
  CHECK(bad_age["age"] == "2 days");
  Json bad_size = Find(host, {{"paths", "/srv/tree"}, {"size", "1.5m"}});
  CHECK(bad_size["msg"] == "failed to process size");
  CHECK(bad_size["size"] == "1.5m");
  Json bad_stamp = Find(host, {{"paths", "/srv/tree"}, {"age_stamp", "btime"}});
  CHECK(bad_stamp["failed"] == true);
}

TEST_CASE("find: contains per line (re.match) or in the whole file (re.search)") {
  FakeHost host = TreeHost();
  Json line = Find(host, {{"paths", "/srv/tree"}, {"contains", "error"}});
  CHECK(Paths(line) == "/srv/tree/a.log");
  Json not_at_start = Find(host, {{"paths", "/srv/tree"}, {"contains", "disk"}});
  CHECK(not_at_start["matched"] == 0);
  Json whole =
      Find(host, {{"paths", "/srv/tree"}, {"contains", "disk f"}, {"read_whole_file", true}});
  CHECK(Paths(whole) == "/srv/tree/a.log");
}

TEST_CASE("find: checksums, mode filter, limit") {
  FakeHost host = TreeHost();
  Json sums = Find(host, {{"paths", "/srv/tree"}, {"patterns", "a.log"}, {"get_checksum", true}});
  CHECK(sums["files"][0]["checksum"] == Sha1Hex("alpha\nerror: disk full\n"));
  Json sha256 = Find(host, {{"paths", "/srv/tree"},
                            {"patterns", "a.log"},
                            {"get_checksum", true},
                            {"checksum_algo", "sha256"}});
  CHECK(sha256["files"][0]["checksum"] == Sha256Hex("alpha\nerror: disk full\n"));

  Json exact = Find(host, {{"paths", "/srv/tree/sub"}, {"mode", "0600"}});
  CHECK(Paths(exact) == "/srv/tree/sub/c.log");
  Json symbolic = Find(host, {{"paths", "/srv/tree/sub"}, {"mode", "u=rw"}});
  CHECK(Paths(symbolic) == "/srv/tree/sub/c.log");
  Json loose = Find(host, {{"paths", "/srv/tree"}, {"mode", "0o004"}, {"exact_mode", false}});
  CHECK(Paths(loose) == "/srv/tree/a.log /srv/tree/b.txt");
  Json int_mode = Find(host, {{"paths", "/srv/tree"}, {"mode", 420}});
  CHECK(int_mode["msg"] ==
        "argument 'mode' is not a string and conversion is not allowed, value is of type int");

  Json limited = Find(host, {{"paths", "/srv/tree"}, {"recurse", true}, {"limit", 2}});
  CHECK(limited["matched"] == 2);
  CHECK(limited["msg"] == "Limit of matches reached");
  Json zero = Find(host, {{"paths", "/srv/tree"}, {"limit", 0}});
  CHECK(zero["msg"] == "limit cannot be 0 (use None for unlimited)");
}

TEST_CASE("find: a path that is not a directory is skipped with a warning") {
  FakeHost host = TreeHost();
  Json r = Find(host, {{"paths", Json::array({"/srv/tree/a.log", "/nope", "/srv/tree/sub"})}});
  CHECK(r["failed"] != true);
  CHECK(r["msg"] == "Not all paths examined, check warnings for details");
  CHECK(r["skipped_paths"]["/nope"] == "'/nope' is not a directory");
  CHECK(r["skipped_paths"]["/srv/tree/a.log"] == "'/srv/tree/a.log' is not a directory");
  CHECK(r["warnings"].size() == 2);
  CHECK(Paths(r) == "/srv/tree/sub/c.log");
  CHECK(Find(host, Json::object())["msg"] == "missing required arguments: paths");
}

TEST_CASE("find: never changes anything, also in check mode") {
  FakeHost host = TreeHost();
  Task task{host, "find", {{"paths", "/srv/tree"}, {"recurse", true}, {"get_checksum", true}}};
  Json normal = task.Run();
  task.check = true;
  Json checked = task.Run();
  CHECK(normal["changed"] == false);
  CHECK(checked["changed"] == false);
  CHECK(checked["files"] == normal["files"]);
  CHECK(host.changes().empty());
  CHECK(host.commands().empty());
}

// ---- tempfile ----

FakeHost TmpHost() {
  FakeHost host = MakeHost();
  host.AddDirectory("/tmp", 01777);
  host.ClearRecords();
  return host;
}

TEST_CASE("tempfile: a 0600 file named ansible.XXXXXXXX in /tmp") {
  FakeHost host = TmpHost();
  Json r = Task{host, "tempfile", Json::object()}.Run();
  REQUIRE_MESSAGE(r["failed"] != true, r.dump());
  CHECK(r["changed"] == true);
  std::string path = r["path"];
  CHECK(std::regex_match(path, std::regex(R"(/tmp/ansible\.[a-z0-9_]{8})")));
  CHECK(host.Stat(path)->kind == FileKind::kFile);
  CHECK(host.Stat(path)->mode == 0600);
  CHECK(host.Content(path).empty());
  CHECK(r["state"] == "file");
  CHECK(r["mode"] == "0600");
  CHECK(r["owner"] == "root");
  CHECK(r["size"] == 0);
  CHECK(host.changes() == std::vector<std::string>{"write " + path});
  // Each run makes a new one.
  Json again = Task{host, "tempfile", Json::object()}.Run();
  CHECK(again["changed"] == true);
  CHECK(again["path"] != r["path"]);
}

TEST_CASE("tempfile: directory 0700 with prefix and suffix under path") {
  FakeHost host = TmpHost();
  Json r = Task{host,
                "tempfile",
                {{"state", "directory"}, {"path", "/srv"}, {"prefix", "build-"}, {"suffix", ".d"}}}
               .Run();
  REQUIRE_MESSAGE(r["failed"] != true, r.dump());
  std::string path = r["path"];
  CHECK(std::regex_match(path, std::regex(R"(/srv/build-[a-z0-9_]{8}\.d)")));
  CHECK(host.Stat(path)->kind == FileKind::kDirectory);
  CHECK(host.Stat(path)->mode == 0700);
  CHECK(r["state"] == "directory");
  CHECK(host.changes() == std::vector<std::string>{"mkdir " + path + " 0700"});
}

TEST_CASE("tempfile: $TMPDIR is the default place, as gettempdir() has it") {
  FakeHost host = TmpHost();
  host.AddDirectory("/var/scratch");
  host.SetEnv("TMPDIR", "/var/scratch");
  Json r = Task{host, "tempfile", Json::object()}.Run();
  CHECK(r["path"].get<std::string>().starts_with("/var/scratch/ansible."));
  host.SetEnv("TMPDIR", "/does/not/exist");
  CHECK(Task{host, "tempfile", Json::object()}.Run()["path"].get<std::string>().starts_with(
      "/tmp/ansible."));
}

TEST_CASE("tempfile: check mode skips the task as Ansible does") {
  FakeHost host = TmpHost();
  Task task{host, "tempfile", {{"state", "directory"}}};
  task.check = true;
  Json r = task.Run();
  CHECK(r["skipped"] == true);
  CHECK(r["changed"] == false);
  CHECK(r["msg"] == "remote module (tempfile) does not support check mode");
  CHECK(host.changes().empty());
}

TEST_CASE("tempfile: errors name the path that was tried") {
  FakeHost host = TmpHost();
  Json missing = Task{host, "tempfile", {{"path", "/nope"}}}.Run();
  CHECK(missing["failed"] == true);
  CHECK(std::regex_match(
      missing["msg"].get<std::string>(),
      std::regex(R"(\[Errno 2\] No such file or directory: '/nope/ansible\.\w{8}')")));
  host.AddFile("/srv/file", "x");
  Json not_dir = Task{host, "tempfile", {{"path", "/srv/file"}, {"state", "directory"}}}.Run();
  CHECK(not_dir["msg"].get<std::string>().starts_with("[Errno 20] Not a directory: '/srv/file/"));
  Json bad_state = Task{host, "tempfile", {{"state", "link"}}}.Run();
  CHECK(bad_state["msg"].get<std::string>().starts_with(
      "value of state must be one of: directory, file, got: link"));
}

// ---- assemble ----

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

// ---- ini_file ----

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
