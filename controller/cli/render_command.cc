// `tend render TEMPLATE [-e @vars.yml] [-e k=v] [-e '{"json": 1}']`: renders a
// template locally as the `template` module would, and prints it.

#include <fmt/format.h>

#include "controller/cli/command.h"
#include "controller/template/template.h"
#include "controller/yaml/yaml.h"

namespace tend {
namespace {

// One -e argument, as ansible-playbook reads it: @file, inline YAML/JSON, or k=v pairs.
Expected<Json> ParseExtraVars(const std::string& arg) {
  if (!arg.empty() && arg[0] == '@') return LoadYamlFile(arg.substr(1));
  if (!arg.empty() && (arg[0] == '{' || arg[0] == '[')) return ParseYaml(arg, "-e");
  Json out = Json::object();
  size_t pos = 0;
  while (pos < arg.size()) {
    while (pos < arg.size() && arg[pos] == ' ') ++pos;
    if (pos >= arg.size()) break;
    size_t eq = arg.find('=', pos);
    if (eq == std::string::npos) return Fail(fmt::format("-e {}: expected key=value, @file or JSON", arg));
    std::string key = arg.substr(pos, eq - pos);
    std::string value;
    size_t k = eq + 1;
    char quote = 0;
    for (; k < arg.size(); ++k) {
      char c = arg[k];
      if (quote) {
        if (c == quote) quote = 0;
        else value += c;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == ' ') {
        break;
      } else {
        value += c;
      }
    }
    out[key] = value;
    pos = k;
  }
  return out;
}

struct RenderOptions {
  std::string path;
  std::vector<std::string> extra_vars;
};

int RunRender(const RenderOptions& o) {
  Json vars = Json::object();
  for (const auto& e : o.extra_vars) {
    auto parsed = ParseExtraVars(e);
    if (!parsed) {
      fmt::print(stderr, "tend: {}\n", parsed.error().ToString());
      return kExitBadOptions;
    }
    if (!parsed->is_object()) {
      fmt::print(stderr, "tend: -e {}: extra vars must be a mapping\n", e);
      return kExitBadOptions;
    }
    for (auto& [k, v] : parsed->items()) vars[k] = v;
  }
  JsonScope scope(vars);
  Templar templar(scope);
  auto out = templar.RenderFile(o.path);
  if (!out) {
    fmt::print(stderr, "tend: {}\n", out.error().ToString());
    return kExitError;
  }
  fmt::print("{}", *out);
  return kExitOk;
}

}  // namespace

CommandRunner SetupRenderCommand(CLI::App& sub) {
  auto o = std::make_shared<RenderOptions>();
  sub.add_option("template", o->path, "Template file to render")->required();
  sub.add_option("-e,--extra-vars", o->extra_vars, "Variables: @file.yml, key=value or JSON");
  return [o] { return RunRender(*o); };
}

}  // namespace tend
