#include "controller/records/git_commit.h"

#include <doctest/doctest.h>

#include "controller/playbook/test_files.h"

namespace tend {
namespace {

constexpr const char* kSha = "0123456789abcdef0123456789abcdef01234567";

TEST_CASE("the commit of a file in a repository, however git stored the ref") {
  TestDir dir;
  dir.Write("repo/site.yml", "");
  dir.Write("repo/.git/HEAD", "ref: refs/heads/main\n");
  SUBCASE("a loose ref") {
    dir.Write("repo/.git/refs/heads/main", std::string(kSha) + "\n");
    CHECK(GitCommitOf(dir.Path("repo/site.yml")) == kSha);
    CHECK(GitCommitOf(dir.Path("repo")) == kSha);
  }
  SUBCASE("a packed ref") {
    dir.Write("repo/.git/packed-refs", "# pack-refs with: peeled\n" + std::string(kSha) +
                                           " refs/heads/main\n");
    CHECK(GitCommitOf(dir.Path("repo/site.yml")) == kSha);
  }
  SUBCASE("a detached HEAD") {
    dir.Write("repo/.git/HEAD", std::string(kSha) + "\n");
    CHECK(GitCommitOf(dir.Path("repo/site.yml")) == kSha);
  }
}

TEST_CASE("a linked worktree's .git file leads to the shared refs") {
  TestDir dir;
  dir.Write("main/.git/refs/heads/feature", std::string(kSha) + "\n");
  dir.Write("main/.git/worktrees/wt/HEAD", "ref: refs/heads/feature\n");
  dir.Write("main/.git/worktrees/wt/commondir", "../..\n");
  dir.Write("wt/.git", "gitdir: " + dir.Path("main/.git/worktrees/wt") + "\n");
  dir.Write("wt/inventory/hosts", "");
  CHECK(GitCommitOf(dir.Path("wt/inventory/hosts")) == kSha);
}

TEST_CASE("no repository: no commit") {
  TestDir dir;
  dir.Write("site.yml", "");
  // The scratch directory lives under /tmp, in no repository.
  CHECK(GitCommitOf(dir.Path("site.yml")) == "");
}

}  // namespace
}  // namespace tend
