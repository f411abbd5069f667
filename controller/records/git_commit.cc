#include "controller/records/git_commit.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tend {
namespace {

namespace fs = std::filesystem;

std::string FirstLine(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// The git directory of the repository above `start`, or "".
fs::path FindGitDir(fs::path dir) {
  std::error_code ec;
  for (; !dir.empty(); dir = dir.parent_path()) {
    fs::path dot_git = dir / ".git";
    if (fs::is_directory(dot_git, ec)) return dot_git;
    if (fs::is_regular_file(dot_git, ec)) {
      std::string line = FirstLine(dot_git);
      if (!line.starts_with("gitdir: ")) return {};
      fs::path target = line.substr(8);
      return target.is_absolute() ? target : dir / target;
    }
    if (dir == dir.parent_path()) break;
  }
  return {};
}

// A linked worktree keeps shared refs in the directory "commondir" names.
fs::path CommonDir(const fs::path& git_dir) {
  std::error_code ec;
  if (!fs::exists(git_dir / "commondir", ec)) return git_dir;
  fs::path common = FirstLine(git_dir / "commondir");
  return common.is_absolute() ? common : git_dir / common;
}

std::string PackedRef(const fs::path& common, const std::string& ref) {
  std::ifstream in(common / "packed-refs");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '^') continue;
    std::istringstream words(line);
    std::string sha, name;
    words >> sha >> name;
    if (name == ref) return sha;
  }
  return "";
}

std::string ResolveRef(const fs::path& git_dir, const std::string& ref) {
  std::error_code ec;
  for (const fs::path& base : {git_dir, CommonDir(git_dir)}) {
    if (fs::is_regular_file(base / ref, ec)) return FirstLine(base / ref);
  }
  return PackedRef(CommonDir(git_dir), ref);
}

}  // namespace

std::string GitCommitOf(const std::string& path) {
  std::error_code ec;
  fs::path start = fs::absolute(path, ec);
  if (ec) return "";
  if (!fs::is_directory(start, ec)) start = start.parent_path();
  fs::path git_dir = FindGitDir(start);
  if (git_dir.empty()) return "";
  std::string head = FirstLine(git_dir / "HEAD");
  if (head.starts_with("ref: ")) return ResolveRef(git_dir, head.substr(5));
  return head;  // a detached HEAD holds the commit itself
}

}  // namespace tend
