#include "controller/pymodule/python_modules.h"

#include <doctest/doctest.h>

#include "core/hash.h"
#include "modules/framework/registry.h"
#include "modules/python/ansible_module.h"

namespace tend {
namespace {

FakeCodeTree Tree() {
  FakeCodeTree t;
  t.Add("/site/ansible/release.py", "__version__ = '2.14.18'\n");
  t.Add("/site/ansible/modules/known_hosts.py", "import json\n");
  t.Add("/site/ansible_collections/ansible/posix/plugins/modules/synchronize.py", "");
  t.Add("/site/ansible_collections/ansible/posix/plugins/action/synchronize.py", "");
  return t;
}

TEST_CASE("PythonModules: packed once per run; an action plugin's module is refused") {
  FakeCodeTree tree = Tree();
  PythonModules modules(CodeRoots{"/site", {"/site"}}, tree);
  CHECK(modules.ansible_version() == "2.14.18");
  auto first = modules.Prepare("known_hosts");
  REQUIRE(first);
  CHECK((*first)->code.fqcn == "ansible.builtin.known_hosts");
  CHECK((*first)->sha256 == Sha256Hex((*first)->payload.text()));
  auto again = modules.Prepare("known_hosts");
  REQUIRE(again);
  CHECK(again->get() == first->get());

  auto sync = modules.Prepare("ansible.posix.synchronize");
  REQUIRE_FALSE(sync);
  CHECK(sync.error().message.starts_with(
      "module ansible.posix.synchronize is not native in tend and needs Ansible's action plugin "
      "(controller-side Python: /site/ansible_collections/ansible/posix/plugins/action/"
      "synchronize.py), which tend does not run; the action plugins tend implements natively are: "));
  // The list is the registry's: copy and template run their controller halves natively.
  CHECK(sync.error().message.find("copy") != std::string::npos);
  CHECK(sync.error().message.find("template") != std::string::npos);
}

TEST_CASE("MakePythonCall: the agent request `tend play` and `tend run` send") {
  FakeCodeTree tree = Tree();
  PythonModules modules(CodeRoots{"/site", {}}, tree);
  auto prepared = modules.Prepare("known_hosts");
  REQUIRE(prepared);
  ModuleCall call;
  call.check = true;
  MakePythonCall(**prepared, Json{{"name", "example.org"}},
                 ModuleRunSettings{.module_name = "known_hosts", .check = true, .ansible_version = "2.14.18"},
                 Json("/opt/py/bin/python3"), call);
  CHECK(call.module == kPythonModuleOp);
  CHECK(call.check);
  CHECK(call.args["name"] == "known_hosts");
  CHECK(call.args["payload"] == (*prepared)->sha256);
  CHECK(call.args["interpreters"] == Json::array({"/opt/py/bin/python3"}));
  CHECK(call.args["module_args"]["name"] == "example.org");
  CHECK(call.args["module_args"]["_ansible_check_mode"] == true);
  CHECK(call.args["module_args"]["_ansible_version"] == "2.14.18");
  REQUIRE(call.content.has_value());
  CHECK(call.content->text() == (*prepared)->payload.text());
}

}  // namespace
}  // namespace tend
