#include "controller/playbook/vars_files.h"

#include <fmt/format.h>

#include <filesystem>

#include "controller/yaml/yaml.h"
#include "core/read_file.h"

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

namespace {

void RegisterStrings(const Json& value) {
  if (value.is_string()) SecretRegistry::Global().Add(value.get<std::string>());
  if (value.is_structured())
    for (const auto& item : value) RegisterStrings(item);
}

}  // namespace

// issue 21: a vaulted file used to load as a YAML string (include_vars: ok
// and nothing set; vars_files: "must hold a mapping").
Expected<Json> ReadVarsFile(const std::string& path, const VaultSecrets& secrets) {
  auto text = ReadInputFile(path);
  if (!text) return Fail(text.error().message, Location{path, 0, 0});
  if (!IsVaulted(*text)) return ParseYaml(*text, path);
  auto plain = DecryptIfVaulted(std::move(*text), secrets, path);
  if (!plain) return Fail(plain.error().message, Location{path, 1, 1});
  auto doc = ParseYaml(*plain, path);
  if (doc) RegisterStrings(*doc);
  return doc;
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
