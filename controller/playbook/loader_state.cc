#include "controller/playbook/loader_state.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace tend {

std::string CanonicalPath(const std::string& path) {
  return std::filesystem::weakly_canonical(path).string();
}

Expected<void> LoaderState::Enter(const std::string& path, const Location& where,
                                  const char* what) {
  std::string canonical = CanonicalPath(path);
  if (std::find(file_stack.begin(), file_stack.end(), canonical) != file_stack.end()) {
    return Fail(fmt::format("recursive {} of '{}'", what, path), where);
  }
  file_stack.push_back(canonical);
  return {};
}

}  // namespace tend

namespace tend {

Expected<void> LoaderState::Defer(const Error& problem) {
  if (options.syntax_check) return std::unexpected(problem);
  std::string text = problem.ToString() + " (the task fails on each host that runs it)";
  if (warned.insert(text).second) warnings.push_back(std::move(text));
  return {};
}

}  // namespace tend
