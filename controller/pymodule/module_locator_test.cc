#include "controller/pymodule/module_locator.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

FakeCodeTree Tree() {
  FakeCodeTree t;
  t.Add("/site/ansible/modules/known_hosts.py", "");
  t.Add("/site/ansible/config/ansible_builtin_runtime.yml",
        "plugin_routing:\n  modules:\n    pam_limits:\n      redirect: community.general.pam_limits\n");
  t.Add("/site/ansible_collections/community/general/plugins/modules/pam_limits.py", "");
  t.Add("/site/ansible_collections/community/general/meta/runtime.yml",
        "plugin_routing:\n  modules:\n    old_name:\n      redirect: community.general.pam_limits\n");
  t.Add("/home/u/.ansible/collections/ansible_collections/my/coll/plugins/modules/thing.py", "");
  return t;
}

TEST_CASE("FindCodeRoots: the first site-packages with ansible-core; collections path, then beside it") {
  FakeCodeTree tree = Tree();
  CodeRoots roots = FindCodeRoots(tree, {"/nope", "/site"},
                                  {"~/.ansible/collections", "/missing", "/site/ansible_collections"}, "/home/u");
  CHECK(roots.core == "/site");
  CHECK(roots.collections == std::vector<std::string>{"/home/u/.ansible/collections", "/site"});
}

TEST_CASE("LocateModule: short names, FQCNs, routing of ansible-core and of a collection") {
  FakeCodeTree tree = Tree();
  CodeRoots roots{"/site", {"/home/u/.ansible/collections", "/site"}};
  struct Case {
    const char* name;
    const char* fqcn;
    const char* dotted;
  };
  const Case cases[] = {
      {"known_hosts", "ansible.builtin.known_hosts", "ansible.modules.known_hosts"},
      {"ansible.builtin.known_hosts", "ansible.builtin.known_hosts", "ansible.modules.known_hosts"},
      {"ansible.legacy.known_hosts", "ansible.builtin.known_hosts", "ansible.modules.known_hosts"},
      {"pam_limits", "community.general.pam_limits",
       "ansible_collections.community.general.plugins.modules.pam_limits"},
      {"community.general.old_name", "community.general.pam_limits",
       "ansible_collections.community.general.plugins.modules.pam_limits"},
      {"my.coll.thing", "my.coll.thing", "ansible_collections.my.coll.plugins.modules.thing"},
  };
  for (const auto& c : cases) {
    auto found = LocateModule(c.name, roots, tree);
    REQUIRE_MESSAGE(found, c.name);
    CHECK(found->fqcn == c.fqcn);
    CHECK(found->dotted == c.dotted);
  }
  CHECK(LocateModule("my.coll.thing", roots, tree)->path ==
        "/home/u/.ansible/collections/ansible_collections/my/coll/plugins/modules/thing.py");
}

TEST_CASE("LocateModule: not found says where tend looked and what to install") {
  FakeCodeTree tree = Tree();
  CodeRoots roots{"/site", {"/site"}};
  CHECK(LocateModule("other.coll.x", roots, tree).error().message ==
        "module other.coll.x is not native in tend and Ansible's code for it was not found in "
        "/site/ansible/modules, /site/ansible_collections; install ansible-core or collection other.coll");
  CHECK(LocateModule("nosuch", roots, tree).error().message ==
        "module nosuch is not native in tend and Ansible's code for it was not found in "
        "/site/ansible/modules, /site/ansible_collections; install ansible-core");
  CHECK(LocateModule("x", CodeRoots{}, tree).error().message ==
        "module x is not native in tend and Ansible's code for it was not found in (no "
        "ansible-core or collections found on this machine); install ansible-core");
}

}  // namespace
}  // namespace tend
