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

bool Has(const std::vector<std::string>& list, std::string_view needle) {
  for (const auto& s : list) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

constexpr const char* kC0 = "c000000000000000000000000000000000000000";

constexpr const char* kC1 = "c100000000000000000000000000000000000000";

constexpr const char* kC2 = "c200000000000000000000000000000000000000";

constexpr const char* kC3 = "c300000000000000000000000000000000000000";

constexpr const char* kTagObject = "a100000000000000000000000000000000000000";

// A remote repository and the clone the module manages, answering the git
// commands the module runs.
struct FakeGit {
  std::map<std::string, std::string> remote{{"HEAD", kC1},
                                            {"refs/heads/main", kC1},
                                            {"refs/heads/dev", kC3},
                                            {"refs/tags/v1", kTagObject},
                                            {"refs/tags/v1^{}", kC0}};
  std::string dest = "/srv/app";
  std::string url;
  std::map<std::string, std::string> branches;  // local branch -> commit
  std::map<std::string, std::string> tracking;  // origin/<branch> -> commit
  std::string head_branch;                      // empty: detached
  std::string detached;
  bool dirty = false;
  std::vector<ProcessSpec> runs;

  std::string Head() const { return head_branch.empty() ? detached : branches.at(head_branch); }

  void WriteHead(FakeHost& host) {
    host.AddFile(dest + "/.git/HEAD",
                 head_branch.empty() ? detached + "\n" : "ref: refs/heads/" + head_branch + "\n");
  }

  void Fetch() {
    for (const auto& [ref, sha] : remote) {
      if (ref.starts_with("refs/heads/")) tracking[ref.substr(11)] = sha;
    }
  }

  ProcessResult Clone(const ProcessSpec& spec, FakeHost& host) {
    url = spec.argv[spec.argv.size() - 2];
    dest = spec.argv.back();
    host.AddFile(dest + "/.git/config", "[core]\n");
    host.AddFile(dest + "/.git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/main\n");
    Fetch();
    branches = {{"main", tracking["main"]}};
    head_branch = "main";
    WriteHead(host);
    return {};
  }

  ProcessResult Checkout(const ProcessSpec& spec, FakeHost& host) {
    if (Arg(spec, 2) == "--track") {
      std::string name = Arg(spec, 4);
      branches[name] = tracking[name];
      head_branch = name;
    } else if (branches.contains(Arg(spec, 3))) {
      head_branch = Arg(spec, 3);
    } else if (remote.contains("refs/tags/" + Arg(spec, 3))) {
      head_branch.clear();
      detached = remote["refs/tags/" + Arg(spec, 3) + "^{}"];
    } else if (tools::LooksLikeSha(Arg(spec, 3))) {
      head_branch.clear();
      detached = Arg(spec, 3);
    } else {
      return {1, "", "error: pathspec '" + Arg(spec, 3) + "' did not match\n"};
    }
    WriteHead(host);
    return {};
  }

  ProcessResult Branches() const {
    std::string out =
        head_branch.empty() ? "* (HEAD detached at " + detached.substr(0, 7) + ")\n" : "";
    for (const auto& [name, sha] : branches) {
      out += (name == head_branch ? "* " : "  ") + name + "\n";
    }
    out += "  remotes/origin/HEAD -> origin/main\n";
    for (const auto& [name, sha] : tracking) out += "  remotes/origin/" + name + "\n";
    return {0, out, ""};
  }

  ProcessResult LsRemote(const ProcessSpec& spec) const {
    if (Arg(spec, 2) == "--get-url") return {0, url + "\n", ""};
    std::string out;
    for (const auto& [ref, sha] : remote) out += sha + "\t" + ref + "\n";
    return {0, out, ""};
  }

  ProcessResult Handle(const ProcessSpec& spec, FakeHost& host) {
    runs.push_back(spec);
    const std::string verb = Arg(spec, 1);
    if (verb == "clone") return Clone(spec, host);
    if (verb == "ls-remote") return LsRemote(spec);
    if (verb == "rev-parse") return {0, Head() + "\n", ""};
    if (verb == "status") return {0, dirty ? " M app.py\n?? notes.txt\n" : "?? notes.txt\n", ""};
    if (verb == "fetch") return Fetch(), ProcessResult{};
    if (verb == "checkout") return Checkout(spec, host);
    if (verb == "branch") return Branches();
    if (verb == "remote" && Arg(spec, 2) == "set-url") return url = Arg(spec, 4), ProcessResult{};
    if (verb == "remote" && Arg(spec, 2) == "add") return ProcessResult{};
    if (verb == "reset") {
      dirty = false;
      std::string to = Arg(spec, 3);
      if (to.starts_with("origin/")) branches[head_branch] = tracking[to.substr(7)];
      return {};
    }
    if (verb == "diff") return {0, "diff --git a/app.py b/app.py\n", ""};
    return {1, "", "git: '" + verb + "' is not faked\n"};
  }
};

struct GitFixture {
  FakeHost host = MakeHost();
  FakeGit git;

  GitFixture() {
    host.AddFile("/usr/bin/git", "", 0755);
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) { return git.Handle(spec, h); });
    host.ClearRecords();
  }

  Task Clone(Json extra = Json::object(), bool check = false) {
    Json args{{"repo", "/srv/repos/app.git"}, {"dest", "/srv/app"}};
    for (auto& [k, v] : extra.items()) args[k] = v;
    return Task{.host = host, .module = "git", .args = args, .check = check};
  }

  std::vector<std::string> Verbs() const {
    std::vector<std::string> out;
    for (const auto& r : git.runs) out.push_back(Arg(r, 1));
    return out;
  }
};

TEST_CASE("git: clones a path repository as file://, then an update changes nothing") {
  GitFixture f;
  Json first = f.Clone({{"version", "HEAD"}}).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["before"].is_null());
  CHECK(first["after"] == kC1);
  const ProcessSpec& clone = f.git.runs.front();
  CHECK(clone.argv == std::vector<std::string>{"/usr/bin/git", "clone", "--origin", "origin",
                                               "file:///srv/repos/app.git", "/srv/app"});
  CHECK(clone.cwd == "/srv");
  CHECK(clone.env.at("GIT_SSH_COMMAND") == "ssh  -o BatchMode=yes");
  CHECK(clone.env.at("LC_ALL") == "C");
  CHECK(f.Verbs() == std::vector<std::string>{"clone", "checkout", "reset", "rev-parse"});

  f.git.runs.clear();
  f.host.ClearRecords();
  Json second = f.Clone().Run();
  CHECK_MESSAGE(second["changed"] == false, second.dump());
  CHECK(second["before"] == kC1);
  CHECK(second["after"] == kC1);
  CHECK(second["remote_url_changed"] == false);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse", "ls-remote", "fetch",
                                              "checkout", "reset", "rev-parse"});
  CHECK(f.host.changes().empty());

  // The remote moves on: the next run pulls it in.
  f.git.remote["refs/heads/main"] = kC2;
  Json pulled = f.Clone({{"version", "main"}}).Run();
  CHECK(pulled["changed"] == true);
  CHECK(pulled["before"] == kC1);
  CHECK(pulled["after"] == kC2);
}

TEST_CASE("git: a tag, a branch and a sha") {
  GitFixture f;
  f.Clone().Run();
  Json tag = f.Clone({{"version", "v1"}}).Run();
  CHECK(tag["changed"] == true);
  CHECK(tag["after"] == kC0);
  CHECK(f.git.runs.back().argv == std::vector<std::string>{"/usr/bin/git", "rev-parse", "HEAD"});
  CHECK(
      Has({FakeArchiver::JoinArgv(f.git.runs[f.git.runs.size() - 2].argv)}, "checkout --force v1"));
  CHECK(f.Clone({{"version", "v1"}}).Run()["changed"] == false);

  Json dev = f.Clone({{"version", "dev"}}).Run();
  CHECK(dev["after"] == kC3);
  CHECK(f.git.head_branch == "dev");
  bool tracked = false;
  for (const auto& r : f.git.runs) {
    tracked =
        tracked || r.argv == std::vector<std::string>{"/usr/bin/git", "checkout", "--track",
                                                      "-b",           "dev",      "origin/dev"};
  }
  CHECK(tracked);
  CHECK(f.Clone({{"version", "dev"}}).Run()["changed"] == false);

  // Back to HEAD from a detached tag: the remote HEAD's branch.
  f.Clone({{"version", "v1"}}).Run();
  Json head = f.Clone().Run();
  CHECK(head["after"] == kC1);
  CHECK(f.git.head_branch == "main");

  // A sha already checked out: no fetch at all.
  f.git.runs.clear();
  Json sha = f.Clone({{"version", kC1}}).Run();
  CHECK(sha["changed"] == false);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse", "ls-remote"});
  Json short_sha = f.Clone({{"version", std::string(kC1).substr(0, 7)}}).Run();
  CHECK(short_sha["changed"] == false);
}

TEST_CASE("git: local modifications are refused without force, reset with it") {
  GitFixture f;
  f.Clone().Run();
  f.git.dirty = true;
  f.git.runs.clear();
  Json refused = f.Clone().Run();
  CHECK(refused["failed"] == true);
  CHECK(refused["msg"] == "Local modifications exist in the destination: /srv/app (force=no).");
  CHECK(refused["before"] == kC1);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse"});
  Json refused_check = f.Clone(Json::object(), /*check=*/true).Run();
  CHECK(refused_check["failed"] == true);

  Json forced = f.Clone({{"force", true}}).Run();
  CHECK(forced["changed"] == true);
  CHECK(forced["msg"] == "Local modifications exist in the destination: /srv/app");
  CHECK_FALSE(f.git.dirty);
  CHECK(Has(f.Verbs(), "reset"));
  bool force_fetch = false;
  for (const auto& r : f.git.runs)
    force_fetch = force_fetch || (HasArg(r, "--force") && Arg(r, 1) == "fetch");
  CHECK(force_fetch);
}

TEST_CASE("git: check mode asks ls-remote and leaves dest alone") {
  GitFixture f;
  CheckCheckMode(f.Clone());
  CHECK(f.Verbs() == std::vector<std::string>{"ls-remote"});
  CHECK(f.host.Find("/srv/app") == nullptr);
  Json r = f.Clone({{"version", "v1"}}, true).Run();
  CHECK(r["after"] == kC0);  // the tag's commit, not the tag object
  CHECK(r["before"].is_null());

  f.Clone().Run();
  f.git.remote["refs/heads/main"] = kC2;
  f.git.runs.clear();
  Json check = f.Clone({{"version", "main"}}, true).Run();
  CHECK(check["changed"] == true);
  CHECK(check["before"] == kC1);
  CHECK(check["after"] == kC2);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse", "ls-remote", "ls-remote"});
  CHECK(f.git.Head() == kC1);
  Json same = f.Clone({{"version", "dev"}}, true).Run();
  CHECK(same["after"] == kC3);

  f.Clone().Run();
  Task with_diff = f.Clone({{"repo", "/srv/repos/app.git"}});
  with_diff.diff = true;
  f.git.remote["refs/heads/main"] = kC3;
  Json d = with_diff.Run();
  CHECK(d["diff"]["prepared"] == "diff --git a/app.py b/app.py\n");
}

TEST_CASE("git: remote URL change, update=no, clone=no, bare, depth, single_branch") {
  GitFixture f;
  f.Clone().Run();
  Json moved = f.Clone({{"repo", "https://git.example.org/app.git"}}).Run();
  CHECK(moved["remote_url_changed"] == true);
  CHECK(moved["changed"] == true);
  CHECK(f.git.url == "https://git.example.org/app.git");

  f.git.runs.clear();
  Json frozen = f.Clone({{"update", false}, {"repo", "/srv/repos/app.git"}}).Run();
  CHECK(frozen["changed"] == false);
  CHECK(frozen["before"] == frozen["after"]);
  CHECK(f.Verbs() == std::vector<std::string>{"rev-parse"});

  FakeHost other = MakeHost();
  other.AddFile("/usr/bin/git", "", 0755);
  FakeGit remote_only;
  other.OnRun([&](const ProcessSpec& spec, FakeHost& h) { return remote_only.Handle(spec, h); });
  Json info = Task{.host = other,
                   .module = "git",
                   .args = {{"repo", "git@example.org:app.git"}, {"clone", false}}}
                  .Run();
  CHECK(info["changed"] == true);
  CHECK(info["after"] == kC1);
  CHECK(Task{.host = other, .module = "git", .args = {{"repo", "x"}}}.Run()["msg"] ==
        "the destination directory must be specified unless clone=no");

  GitFixture shallow;
  shallow.Clone({{"version", "dev"}, {"depth", 1}, {"single_branch", true}}).Run();
  CHECK(shallow.git.runs[1].argv ==
        std::vector<std::string>{"/usr/bin/git", "clone", "--origin", "origin", "--depth", "1",
                                 "--branch", "dev", "--single-branch", "--branch", "dev",
                                 "file:///srv/repos/app.git", "/srv/app"});

  GitFixture bare;
  Json bare_result = bare.Clone({{"bare", true}, {"remote", "upstream"}}).Run();
  INFO(bare_result.dump());
  CHECK(bare_result["changed"] == true);
  CHECK(bare.git.runs[0].argv[2] == "--bare");
  CHECK(bare.Verbs() == std::vector<std::string>{"clone", "remote", "rev-parse"});
}

TEST_CASE("git: ssh options, executable and argument errors") {
  GitFixture f;
  f.Clone({{"accept_hostkey", true}, {"key_file", "/root/.ssh/deploy"}}).Run();
  CHECK(f.git.runs[0].env.at("GIT_SSH_COMMAND") ==
        "ssh  -o StrictHostKeyChecking=no -o BatchMode=yes  -i /root/.ssh/deploy -o "
        "IdentitiesOnly=yes");
  GitFixture g;
  g.Clone({{"accept_newhostkey", true}, {"ssh_opts", "-p 2222"}}).Run();
  CHECK(g.git.runs[0].env.at("GIT_SSH_COMMAND") ==
        "ssh  -p 2222 -o StrictHostKeyChecking=accept-new -o BatchMode=yes");

  Json both = f.Clone({{"accept_hostkey", true}, {"accept_newhostkey", true}}).Run();
  CHECK(both["msg"] == "parameters are mutually exclusive: accept_hostkey|accept_newhostkey");

  GitFixture h;
  h.host.AddFile("/opt/git/bin/git", "", 0755);
  h.Clone({{"executable", "/opt/git/bin/git"}}).Run();
  CHECK(h.git.runs[0].argv[0] == "/opt/git/bin/git");
  (void)h.host.Remove("/usr/bin/git");
  Json missing = h.Clone().Run();
  CHECK(missing["msg"].get<std::string>().starts_with(
      "Failed to find required executable \"git\" in paths: "));

  GitFixture bad;
  bad.git.remote.erase("refs/heads/main");
  bad.git.remote["refs/heads/trunk"] = kC1;
  Json unknown = bad.Clone({{"version", "nosuch"}}).Run();
  CHECK(unknown["failed"] == true);
  CHECK(unknown["msg"] == "Failed to checkout nosuch");
  CHECK(unknown["stderr"] == "error: pathspec 'nosuch' did not match\n");
}

}  // namespace
}  // namespace tend
