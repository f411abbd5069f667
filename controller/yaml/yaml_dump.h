#pragma once

#include <string>

#include "core/json.h"

namespace tend {

struct YamlDumpOptions {
  int indent = 2;
  /// true: PyYAML's default_flow_style=None (innermost collections inline);
  /// false: block style everywhere (to_nice_yaml).
  bool default_flow_style = true;
  bool sort_keys = true;
  int width = 80;
};

/// Writes YAML the way PyYAML's yaml.dump does for the filters to_yaml and
/// to_nice_yaml (plain scalars where they would read back as the same string,
/// single quotes otherwise, double quotes for control characters).
std::string DumpYaml(const Json& value, const YamlDumpOptions& options = {});

}  // namespace tend
