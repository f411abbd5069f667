#include <fmt/format.h>

#include "modules/framework/all.h"
#include "modules/packages/apt_common.h"
#include "modules/framework/text.h"

namespace tend {

const ModuleSpec& PackageFactsSpec() {
  static const ModuleSpec spec{
      .name = "package_facts",
      .short_description = "Package information as facts",
      .args = {{.name = "manager", .type = ArgType::kList, .default_value = Json::array({"auto"})},
               {.name = "strategy",
                .type = ArgType::kStr,
                .default_value = "first",
                .choices = {"first", "all"}}},
      .returns = {"ansible_facts"},
  };
  return spec;
}

// Reads the dpkg database natively: the same installed packages Ansible's
// apt backend lists, without python-apt.
Expected<Json> RunPackageFacts(ModuleContext& context) {
  for (const auto& manager : context.args["manager"]) {
    std::string name = manager.get<std::string>();
    if (name != "auto" && name != "apt" && name != "dpkg") {
      return Fail(fmt::format("Could not find a package manager tend supports in: {} "
                              "(supported: auto, apt)", context.args["manager"].dump()));
    }
  }
  auto status = ReadDpkgStatus(context.Machine());
  if (!status) {
    return Fail("Could not detect a supported package manager from the following list: "
                "['apt'], or the required Python library is not installed. Check warnings for "
                "details.");
  }
  Json packages = Json::object();
  for (const auto& pkg : status->all()) {
    if (!pkg.Installed()) continue;
    packages[pkg.name].push_back({{"name", pkg.name},
                                  {"version", pkg.version},
                                  {"arch", pkg.arch},
                                  {"category", pkg.section},
                                  {"origin", ""},
                                  {"source", "apt"}});
  }
  return Json{{"changed", false}, {"ansible_facts", {{"packages", std::move(packages)}}}};
}

const ModuleSpec& DpkgSelectionsSpec() {
  static const ModuleSpec spec{
      .name = "dpkg_selections",
      .short_description = "Dpkg package selection selections",
      .args = {{.name = "name", .type = ArgType::kStr, .required = true},
               {.name = "selection",
                .type = ArgType::kStr,
                .required = true,
                .choices = {"install", "hold", "deinstall", "purge"}}},
      .supports_diff = true,
      .returns = {"before", "after"},
  };
  return spec;
}

// The selection is the "want" word of the package's Status line; dpkg
// --set-selections runs only when it differs.
Expected<Json> RunDpkgSelections(ModuleContext& context) {
  std::string name = context.Str("name");
  std::string selection = context.Str("selection");
  auto status = ReadDpkgStatus(context.Machine());
  if (!status) return std::unexpected(status.error());
  std::string current = "not present";
  for (const DpkgPackage* pkg : status->Find(name)) {
    if (pkg->want != "unknown" || pkg->Present()) current = pkg->want;
  }
  bool changed = current != selection;
  Json result{{"changed", changed}, {"before", current}, {"after", selection}};
  if (context.diff) result["diff"] = {{"before", current}, {"after", selection}};
  if (!changed || context.check) return result;
  auto ran = context.Machine().Run({.argv = {"dpkg", "--set-selections"},
                                    .stdin_data = fmt::format("{} {}\n", name, selection),
                                    .cwd = {},
                                    .env = AptEnvironment()});
  if (!ran) return std::unexpected(ran.error());
  if (ran->rc != 0) {
    return Fail(fmt::format("dpkg --set-selections failed: {}", StripTrailingNewlines(ran->stderr_data)));
  }
  return result;
}

}  // namespace tend
