#include "controller/playbook/yaml_source.h"

namespace tend {

Expected<std::shared_ptr<YamlSource>> ReadYamlSource(const std::string& path) {
  auto src = std::make_shared<YamlSource>();
  src->path = path;
  auto doc = LoadYamlFile(path, &src->marks);
  if (!doc) return std::unexpected(doc.error());
  src->doc = std::move(*doc);
  return src;
}

std::string Pointer(const std::string& base, std::string_view key) {
  std::string out = base + "/";
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

std::string Pointer(const std::string& base, size_t index) {
  return base + "/" + std::to_string(index);
}

}  // namespace tend
