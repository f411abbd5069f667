#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "controller/yaml/yaml.h"
#include "core/error.h"
#include "core/json.h"

namespace tend {

/// One loaded YAML file and where its nodes came from, so every loader error
/// can name file:line:col.
struct YamlSource {
  std::string path;
  Json doc;
  YamlMarks marks;

  Location At(const std::string& pointer) const { return marks.Find(pointer); }
};

Expected<std::shared_ptr<YamlSource>> ReadYamlSource(const std::string& path);

/// JSON pointers into a source document ("/0/tasks/3"), for YamlSource::At.
std::string Pointer(const std::string& base, std::string_view key);
std::string Pointer(const std::string& base, size_t index);

}  // namespace tend
