#include "modules/system/local_facts.h"

#include <fmt/format.h>

#include <algorithm>

#include "modules/system/facts.h"

namespace tend {
namespace {

// JSON first, then INI; what neither parses is an error text.
Json ParseFactText(const std::string& path, const std::string& text, std::vector<std::string>& warnings) {
  try {
    return Json::parse(text);
  } catch (const std::exception&) {
  }
  if (auto ini = ParseFactIni(text)) return *ini;
  std::string error = "error loading facts as JSON or ini - please check content: " + path;
  warnings.push_back(error);
  return error;
}

}  // namespace

Json ReadLocalFacts(Host& host, const std::string& fact_path, std::vector<std::string>& warnings) {
  Json local = Json::object();
  auto entries = host.ListDirectory(fact_path);
  if (!entries) return local;
  std::vector<std::string> names = *entries;
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    if (!name.ends_with(".fact")) continue;
    std::string path = fact_path + "/" + name;
    std::string key = name.substr(0, name.size() - 5);
    auto info = host.Stat(path);
    if (!info || info->kind == FileKind::kMissing) {
      // os.stat follows links: a dangling one fails like a missing file.
      std::string reason = info ? fmt::format("[Errno 2] No such file or directory: '{}'", path)
                                : info.error().message;
      std::string error = fmt::format("Could not stat fact ({}): {}", path, reason);
      warnings.push_back(error);
      local[key] = error;
      continue;
    }
    std::string text;
    if (info->mode & 0100) {
      auto run = host.Run(ProcessSpec{.argv = {path}});
      std::string error = !run ? fmt::format("Could not execute fact script ({}): {}", path, run.error().message)
                          : run->rc != 0
                              ? fmt::format("Failure executing fact script ({}), rc: {}, err: {}", path, run->rc, run->stderr_data)
                              : "";
      if (!error.empty()) {
        warnings.push_back(error);
        local[key] = error;
        continue;
      }
      text = run->stdout_data;
    } else {
      text = host.ReadFile(path).value_or("");
    }
    local[key] = ParseFactText(path, text, warnings);
  }
  return local;
}

}  // namespace tend
