#include "controller/pymodule/code_tree.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tend {

namespace fs = std::filesystem;

bool RealCodeTree::IsFile(const std::string& path) const {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

bool RealCodeTree::IsDirectory(const std::string& path) const {
  std::error_code ec;
  return fs::is_directory(path, ec);
}

std::optional<std::string> RealCodeTree::Read(const std::string& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool FakeCodeTree::IsDirectory(const std::string& path) const {
  std::string prefix = path + "/";
  auto it = files_.lower_bound(prefix);
  return it != files_.end() && it->first.starts_with(prefix);
}

std::optional<std::string> FakeCodeTree::Read(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

}  // namespace tend
