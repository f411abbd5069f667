// The YAML loader: any bytes give a document or a located error, never a
// crash; a loaded document dumps back (to_yaml) without one either.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controller/yaml/yaml.h"
#include "controller/yaml/yaml_dump.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tend::YamlMarks marks;
  auto doc = tend::ParseYaml(text, "fuzz.yml", &marks);
  if (doc) {
    (void)tend::DumpYaml(*doc);
    (void)marks.Find("/0/tasks/0");
  } else {
    (void)doc.error().ToString();
  }
  return 0;
}
