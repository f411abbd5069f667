// `tend config`: the ansible.cfg settings that differ from their defaults and
// where each came from, like `ansible-config dump --only-changed`.

#include <fmt/format.h>

#include "controller/cli/command.h"
#include "controller/cli/config_flags.h"
#include "core/python_format.h"

namespace tend {
namespace {

struct ConfigFlags {
  bool all = false;
  bool json = false;
};

const char* UseText(SettingUse use) {
  switch (use) {
    case SettingUse::kHonoured:
      return "used";
    case SettingUse::kNotApplicable:
      return "not applicable";
    case SettingUse::kIgnored:
      return "not used";
  }
  return "";
}

// One line as ansible-config prints it: NAME(ORIGIN) = VALUE, with Python's
// repr for lists and booleans.
std::string Line(const SettingValue& v) {
  std::string value = v.value.is_string() ? v.value.get<std::string>() : PythonRepr(v.value);
  std::string note =
      v.spec->use == SettingUse::kHonoured ? "" : fmt::format("  # {}", UseText(v.spec->use));
  return fmt::format("{}({}) = {}{}", v.spec->name, v.origin, value, note);
}

int Run(const ConfigFlags& f) {
  if (!ReportConfig()) return kExitBadOptions;
  const AnsibleConfig& config = *CliConfig();
  if (f.json) {
    Json out = Json::object();
    out["file"] = config.file().empty() ? Json() : Json(config.file());
    out["settings"] = Json::array();
    for (const auto& v : config.values()) {
      if (!f.all && v.IsDefault()) continue;
      out["settings"].push_back(Json{{"name", v.spec->name},
                                     {"value", v.value},
                                     {"origin", v.origin},
                                     {"use", UseText(v.spec->use)},
                                     {"note", v.spec->note}});
    }
    out["tend"] = config.tend_settings();
    fmt::print("{}\n", out.dump(2));
    return kExitOk;
  }
  fmt::print("config file = {}\n", config.file().empty() ? "None" : config.file());
  for (const auto& v : config.values()) {
    if (f.all || !v.IsDefault()) fmt::print("{}\n", Line(v));
  }
  for (const auto& [key, value] : config.tend_settings()) {
    fmt::print("tend.{}({}) = {}\n", key, config.file(), value);
  }
  return kExitOk;
}

}  // namespace

CommandRunner SetupConfigCommand(CLI::App& sub) {
  auto flags = std::make_shared<ConfigFlags>();
  sub.add_flag("--all", flags->all, "Every setting, not only the ones that differ from defaults");
  sub.add_flag("--json", flags->json, "As JSON");
  return [flags] { return Run(*flags); };
}

}  // namespace tend
