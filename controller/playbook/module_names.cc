#include "controller/playbook/module_names.h"

#include <algorithm>
#include <unordered_set>

#include "controller/template/template.h"
#include "modules/registry.h"

namespace tend {
namespace {

// Collections whose modules tend implements under their short names.
constexpr std::string_view kCollections[] = {
    "ansible.builtin.",  "ansible.legacy.",       "ansible.posix.",    "community.general.",
    "community.docker.", "community.postgresql.", "community.crypto.", "ansible.utils."};

constexpr std::string_view kControllerActions[] = {
    "debug",           "set_fact",      "assert",       "fail",         "meta",
    "pause",           "add_host",      "group_by",     "include_vars", "wait_for_connection",
    "set_stats",       "include_tasks", "import_tasks", "include_role", "import_role",
    "import_playbook", "include",       "template",     "copy",         "setup",
    "gather_facts",    "ping",          "assemble",     "fetch"};

// The modules issue 7 specifies; used until (and besides) the agent's own
// registry lists them, so the loader can say "did you mean" either way.
constexpr std::string_view kAgentModules[] = {"command",
                                              "shell",
                                              "raw",
                                              "script",
                                              "file",
                                              "copy",
                                              "template",
                                              "lineinfile",
                                              "blockinfile",
                                              "replace",
                                              "stat",
                                              "slurp",
                                              "fetch",
                                              "find",
                                              "tempfile",
                                              "unarchive",
                                              "get_url",
                                              "uri",
                                              "wait_for",
                                              "assemble",
                                              "user",
                                              "group",
                                              "authorized_key",
                                              "getent",
                                              "hostname",
                                              "sysctl",
                                              "cron",
                                              "timezone",
                                              "locale_gen",
                                              "modprobe",
                                              "kernel_blacklist",
                                              "ini_file",
                                              "package_facts",
                                              "service_facts",
                                              "git",
                                              "mount",
                                              "service",
                                              "systemd",
                                              "systemd_service",
                                              "apt",
                                              "package",
                                              "apt_key",
                                              "apt_repository",
                                              "deb822_repository",
                                              "dpkg_selections",
                                              "pip",
                                              "debconf",
                                              "docker_container",
                                              "docker_image",
                                              "docker_network",
                                              "docker_volume",
                                              "postgresql_db",
                                              "postgresql_user",
                                              "postgresql_privs",
                                              "postgresql_query",
                                              "setup",
                                              "ping",
                                              "reboot",
                                              "known_hosts",
                                              "seboolean",
                                              "ufw",
                                              "iptables",
                                              "apt_rpm",
                                              "dnf",
                                              "yum",
                                              "synchronize",
                                              "acl",
                                              "archive",
                                              "htpasswd",
                                              "pam_limits",
                                              "docker_compose",
                                              "stat"};

constexpr std::string_view kFreeForm[] = {"command", "shell", "raw", "script", "win_command"};

}  // namespace

std::string CanonicalActionName(std::string_view name) {
  for (std::string_view prefix : kCollections) {
    if (name.starts_with(prefix)) return std::string(name.substr(prefix.size()));
  }
  if (FindModuleSpec(name) != nullptr) return CanonicalModuleName(name);
  // Short names that moved to collections keep working (Ansible's redirect
  // table); since tend registers modules by short name they map to themselves,
  // except the few Ansible renamed on the way.
  if (name == "systemd_service") return "systemd";
  if (name == "include") return "include_tasks";
  return std::string(name);
}

bool IsControllerAction(std::string_view name) {
  return std::find(std::begin(kControllerActions), std::end(kControllerActions), name) !=
             std::end(kControllerActions) &&
         name != "template" && name != "copy" && name != "setup" && name != "ping" &&
         name != "assemble" && name != "fetch";
}

bool IsIncludeAction(std::string_view name) {
  return name == "include_tasks" || name == "import_tasks" || name == "include_role" ||
         name == "import_role" || name == "include_vars" || name == "import_playbook";
}

const std::vector<std::string>& KnownActionNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    std::unordered_set<std::string> seen;
    auto add = [&](std::string_view n) {
      if (seen.emplace(n).second) out.emplace_back(n);
    };
    for (const auto& n : ModuleNames()) add(n);
    for (auto n : kAgentModules) add(n);
    for (auto n : kControllerActions) add(n);
    return out;
  }();
  return names;
}

bool IsKnownAction(std::string_view name) {
  const auto& names = KnownActionNames();
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool TakesFreeForm(std::string_view name) {
  return std::find(std::begin(kFreeForm), std::end(kFreeForm), name) != std::end(kFreeForm);
}

Json PrepareActionArgs(std::string_view action, Json args) {
  if (action == "copy" && args.is_object() && args.contains("content") &&
      args["content"].is_structured()) {
    args["content"] = PythonJsonDumps(args["content"]);
  }
  return args;
}

}  // namespace tend
