// The group module: groupadd, groupmod and groupdel.

#include "modules/framework/all.h"
#include "modules/system/shadow_tool.h"

namespace tend {

const ModuleSpec& GroupSpec() {
  static const ModuleSpec spec{
      .name = "group",
      .short_description = "Add or remove groups",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "gid", .type = ArgType::kInt},
               {.name = "state",
                .type = ArgType::kStr,
                .default_value = "present",
                .choices = {"absent", "present"}},
               {.name = "system", .type = ArgType::kBool, .default_value = false},
               {.name = "non_unique", .type = ArgType::kBool, .default_value = false},
               {.name = "force", .type = ArgType::kBool, .default_value = false},
               {.name = "local", .type = ArgType::kBool, .default_value = false}},
      .returns = {"name", "gid", "state", "system"},
  };
  return spec;
}

Expected<Json> RunGroup(ModuleContext& context) {
  Host& host = context.Machine();
  std::string name = context.Str("name");
  auto current = host.FindGroup(name);
  if (!current) return std::unexpected(current.error());
  Json result{{"changed", false},
              {"name", name},
              {"state", context.Str("state", "present")},
              {"system", context.Bool("system")}};
  std::vector<std::string> argv;
  if (context.Str("state") == "absent") {
    // force: delete a group that is still some user's primary group.
    if (*current)
      argv = context.Bool("force") ? std::vector<std::string>{"groupdel", "-f", name}
                                   : std::vector<std::string>{"groupdel", name};
  } else if (!*current) {
    argv = {"groupadd"};
    if (context.Has("gid")) argv.insert(argv.end(), {"-g", std::to_string(context.Int("gid"))});
    if (context.Bool("non_unique")) argv.push_back("-o");
    if (context.Bool("system")) argv.push_back("-r");
    argv.push_back(name);
  } else if (context.Has("gid") && context.Int("gid") != (*current)->gid) {
    argv = {"groupmod", "-g", std::to_string(context.Int("gid"))};
    if (context.Bool("non_unique")) argv.push_back("-o");
    argv.push_back(name);
  }
  if (!argv.empty()) {
    result["changed"] = true;
    if (!context.check) {
      auto ran = RunShadowTool(host, argv);
      if (!ran) return std::unexpected(ran.error());
    }
  }
  if (auto g = host.FindGroup(name); g && *g) result["gid"] = (*g)->gid;
  return result;
}

}  // namespace tend
