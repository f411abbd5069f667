// The Jinja2 engine: lexer, parser and renderer. The first byte picks how the
// rest is used, as the playbook engine uses it: a template file (compiled and
// rendered to text), a task string (rendered keeping native types), or a
// `when:` condition.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "controller/template/template.h"

namespace {

using namespace tend;

const Json& Vars() {
  static const Json vars = Json::parse(R"({
    "name": "world", "n": 5, "f": 2.5, "neg": -3, "t": true, "none": null, "empty": "",
    "s": "Hello World", "csv": "a,b,c", "path": "/etc/nginx/nginx.conf",
    "items": [3, 1, 2], "words": ["banana", "Apple", "cherry"],
    "nested": [[1, 2], [3, [4, 5]]], "d": {"b": 2, "a": 1, "c": 3},
    "users": [{"name": "alice", "uid": 1001, "groups": ["adm"]},
              {"name": "bob", "uid": 1002, "groups": []}],
    "lazy": "{{ n + 1 }}", "cycle": "{{ cycle }}",
    "unsafe": {"__ansible_unsafe": "{{ not templated }}"},
    "hostvars": {"h1": {"x": "{{ n }}"}}
  })");
  return vars;
}

// Lookups that stay inside the process: nothing here may run a command,
// write a file or read one the fuzzer names.
TemplarHooks SafeHooks() {
  static const std::set<std::string> kSafe = {"vars", "items", "flattened", "list", "dict",
                                              "indexed_items", "sequence", "subelements",
                                              "together", "nested", "env", "file"};
  TemplarHooks hooks;
  for (auto& lookup : BuiltinLookups()) {
    if (kSafe.contains(lookup.name)) hooks.lookups.push_back(std::move(lookup));
  }
  auto& context = hooks.lookup_context;
  context.search_paths = {"/nonexistent"};
  context.read_file = [](const std::string& path) -> Expected<std::string> {
    if (path.ends_with("fuzz.txt")) return std::string("line1\nline2\n");
    return Fail("could not find " + path);
  };
  context.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "HOME") return "/home/fuzz";
    return std::nullopt;
  };
  context.run_pipe = [](const std::string&) -> Expected<std::string> { return Fail("no pipe"); };
  context.write_file = [](const std::string&, const std::string&) -> Expected<void> {
    return Fail("no writes");
  };
  hooks.decrypt_vault = [](const std::string&) -> Expected<std::string> { return Fail("no vault"); };
  return hooks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  JsonScope scope(Vars());
  Templar templar(scope, SafeHooks());
  switch (data[0] % 3) {
    case 0: {
      auto compiled = CompileTemplate(text, "fuzz.j2");
      if (!compiled) {
        (void)compiled.error().ToString();
        break;
      }
      (void)templar.RenderTemplate(*compiled);
      break;
    }
    case 1:
      (void)templar.Render(text, "fuzz.yml:1:1 (name)");
      break;
    case 2:
      (void)templar.EvaluateCondition(text, "fuzz.yml:1:1 (when)");
      break;
  }
  return 0;
}
