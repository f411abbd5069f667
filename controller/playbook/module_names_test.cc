#include "controller/playbook/module_names.h"

#include <doctest/doctest.h>

#include <set>

#include "modules/framework/registry.h"

namespace tend {

TEST_CASE("known action names come from the registry, each once") {
  const auto& names = KnownActionNames();
  std::set<std::string> unique(names.begin(), names.end());
  CHECK(unique.size() == names.size());
  for (const auto& module : ModuleNames()) CHECK_MESSAGE(unique.contains(module), module);
  CHECK(names.size() == Actions().size());
  for (const char* action : {"debug", "set_fact", "fetch", "include_tasks", "gather_facts"}) {
    CHECK_MESSAGE(IsKnownAction(action), action);
  }
}

TEST_CASE("names tend has no module or action for are unknown to the loader") {
  // kAgentModules used to claim these; a task using them failed only on the host.
  for (const char* name : {"reboot", "ufw", "dnf", "yum", "iptables", "wait_for_connection"}) {
    CHECK_MESSAGE(!IsKnownAction(CanonicalActionName(name)), name);
  }
}

TEST_CASE("controller actions, includes and free-form modules") {
  for (const char* name : {"debug", "set_fact", "assert", "fail", "meta", "pause", "add_host",
                           "group_by", "set_stats", "include_vars", "include_tasks",
                           "import_tasks", "include_role", "import_role", "import_playbook"}) {
    CHECK_MESSAGE(IsControllerAction(name), name);
  }
  // These call the agent, some after a controller half.
  for (const char* name : {"copy", "template", "fetch", "setup", "ping", "assemble", "command"}) {
    CHECK_MESSAGE(!IsControllerAction(name), name);
  }
  for (const char* name : {"include_tasks", "import_tasks", "include_role", "import_role",
                           "include_vars", "import_playbook"}) {
    CHECK_MESSAGE(IsIncludeAction(name), name);
  }
  CHECK(!IsIncludeAction("debug"));
  for (const char* name : {"command", "shell", "raw", "script"}) CHECK(TakesFreeForm(name));
  for (const char* name : {"copy", "debug", "win_command"}) CHECK(!TakesFreeForm(name));
}

TEST_CASE("Ansible's module names, from Debian's ansible and ansible-core") {
  for (const char* name :
       {"pacman", "yum", "dnf", "zypper", "pkgng", "win_file", "ansible.builtin.yum",
        "ansible.legacy.dnf", "community.general.pacman", "community.general.pacman_key",
        "ansible.windows.win_file", "ansible.builtin.apt", "reboot", "async_status"}) {
    CHECK_MESSAGE(IsAnsibleModuleName(name), name);
  }
  for (const char* name : {"pacmann", "community.general.nope", "copyy", "", "ansible.builtin."}) {
    CHECK_MESSAGE(!IsAnsibleModuleName(name), name);
  }
}

TEST_CASE("an action resolves to tend's module first, then to Ansible's name as written") {
  CHECK(ResolveActionName("ansible.builtin.apt") == "apt");
  CHECK(ResolveActionName("community.general.modprobe") == "modprobe");
  CHECK(ResolveActionName("community.general.pacman") == "community.general.pacman");
  CHECK(ResolveActionName("win_file") == "win_file");
  CHECK(ResolveActionName("win_filee").empty());
  CHECK(IsTemplatedAction("{{ ansible_facts.pkg_mgr }}"));
  CHECK_FALSE(IsTemplatedAction("apt"));
}

TEST_CASE("canonical action names") {
  CHECK(CanonicalActionName("ansible.builtin.include") == "include_tasks");
  CHECK(CanonicalActionName("include") == "include_tasks");
  CHECK(CanonicalActionName("ansible.builtin.debug") == "debug");
  CHECK(CanonicalActionName("community.docker.docker_container") == "docker_container");
  CHECK(CanonicalActionName("ansible.builtin.systemd_service") == "systemd_service");
  CHECK(CanonicalActionName("acme.thing.copy") == "acme.thing.copy");
}


TEST_CASE("collections: a short name resolves through the listed collections, then ansible.legacy") {
  using List = std::vector<std::string>;
  // filesize exists only as community.general.filesize.
  CHECK(ResolveActionName("filesize", List{}).empty());
  CHECK(ResolveActionName("filesize", List{"community.general"}) == "community.general.filesize");
  CHECK(ResolveActionName("filesize", List{"ansible.builtin", "community.general"}) ==
        "community.general.filesize");
  CHECK(ResolveActionName("filesize", List{"ansible.posix"}).empty());
  // The listed collection comes before ansible-core's routing of the short name.
  CHECK(ResolveActionName("ufw", List{}) == "ufw");
  CHECK(ResolveActionName("ufw", List{"community.general"}) == "community.general.ufw");
  // A module tend implements natively keeps its native name.
  CHECK(ResolveActionName("modprobe", List{"community.general"}) == "modprobe");
  CHECK(ResolveActionName("docker_container", List{"community.docker"}) == "docker_container");
  CHECK(ResolveActionName("copy", List{"community.general"}) == "copy");
  // FQCNs are not searched; unknown names stay unknown.
  CHECK(ResolveActionName("ansible.posix.acl", List{"community.general"}) == "ansible.posix.acl");
  CHECK(ResolveActionName("no_such_module", List{"community.general"}).empty());
}

TEST_CASE("collections: an FQCN only the controller's code knows resolves through the probe") {
  using List = std::vector<std::string>;
  ModuleCodeProbe probe = [](std::string_view fqcn) { return fqcn == "my.coll.thing"; };
  CHECK(ResolveActionName("my.coll.thing", List{}).empty());
  CHECK(ResolveActionName("my.coll.thing", List{}, probe) == "my.coll.thing");
  CHECK(ResolveActionName("thing", List{"my.coll"}, probe) == "my.coll.thing");
  CHECK(ResolveActionName("thing", List{}, probe).empty());
  CHECK(ResolveActionName("my.coll.other", List{}, probe).empty());
  // tend's own and Debian's list still come first.
  CHECK(ResolveActionName("copy", List{"my.coll"}, probe) == "copy");
}

}  // namespace tend
