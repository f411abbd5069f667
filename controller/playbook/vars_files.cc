#include "controller/playbook/vars_files.h"

#include <fmt/format.h>

#include <filesystem>

#include "controller/yaml/yaml.h"

namespace tend {
namespace fs = std::filesystem;

std::string FirstExisting(const std::string& dir, const std::string& stem) {
  for (const char* ext : {".yml", ".yaml", ""}) {
    std::string p = dir + "/" + stem + ext;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p;
  }
  return {};
}

Json MergeVarsList(const Json& vars) {
  if (!vars.is_array()) return vars.is_object() ? vars : Json::object();
  Json out = Json::object();
  for (const auto& item : vars) {
    if (item.is_object()) {
      for (const auto& [k, val] : item.items()) out[k] = val;
    }
  }
  return out;
}

Expected<Json> LoadVarsFile(const std::string& dir, const std::string& stem,
                            const Location& where, bool required) {
  std::string file = FirstExisting(dir, stem);
  if (file.empty()) {
    if (required) return Fail(fmt::format("'{}' not found in {}", stem, dir), where);
    return Json::object();
  }
  auto doc = LoadYamlFile(file);
  if (!doc) return std::unexpected(doc.error());
  if (doc->is_null()) return Json::object();
  if (!doc->is_object()) return Fail("a vars file must hold a mapping", Location{file, 1, 1});
  return *doc;
}

}  // namespace tend
