#include <doctest/doctest.h>
#include <fmt/format.h>

#include <regex>

#include "core/hash.h"
#include "modules/testing/test_support.h"

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
  // No re.MULTILINE: `$` ends the file (before its last newline), not a line.
  Json line_end =
      Find(host, {{"paths", "/srv/tree"}, {"contains", "alpha$"}, {"read_whole_file", true}});
  CHECK(line_end["matched"] == 0);
  Json file_end =
      Find(host, {{"paths", "/srv/tree"}, {"contains", "full$"}, {"read_whole_file", true}});
  CHECK(Paths(file_end) == "/srv/tree/a.log");
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

}  // namespace
}  // namespace tend
