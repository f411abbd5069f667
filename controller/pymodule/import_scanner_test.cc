#include "controller/pymodule/import_scanner.h"

#include <doctest/doctest.h>

#include <algorithm>

namespace tend {
namespace {

using Names = std::vector<std::string>;

TEST_CASE("ScanImports: the forms modules use, table-driven") {
  struct Case {
    const char* source;
    const char* package;
    Names names;
  };
  const Case cases[] = {
      {"from ansible.module_utils.basic import AnsibleModule\n", "ansible.modules",
       {"ansible.module_utils.basic", "ansible.module_utils.basic.AnsibleModule"}},
      {"import ansible.module_utils.six as six, os\n", "ansible.modules", {"ansible.module_utils.six"}},
      {"import os\nimport json\nfrom os import path\n", "ansible.modules", {}},
      {"try:\n    from ansible.module_utils.common import warnings  # noqa\nexcept ImportError:\n  pass\n",
       "ansible.modules",
       {"ansible.module_utils.common", "ansible.module_utils.common.warnings"}},
      {"from ansible.module_utils.common.text.converters import (\n    to_bytes,\n    to_native as n,\n)\n",
       "ansible.modules",
       {"ansible.module_utils.common.text.converters", "ansible.module_utils.common.text.converters.to_bytes",
        "ansible.module_utils.common.text.converters.to_native"}},
      {"from ansible.module_utils.urls import \\\n    fetch_url\n", "ansible.modules",
       {"ansible.module_utils.urls", "ansible.module_utils.urls.fetch_url"}},
      {"from ansible_collections.community.general.plugins.module_utils import deps\n",
       "ansible_collections.community.general.plugins.modules",
       {"ansible_collections.community.general.plugins.module_utils",
        "ansible_collections.community.general.plugins.module_utils.deps"}},
      {"from ..module_utils.mh import helper\n", "ansible_collections.ns.c.plugins.modules",
       {"ansible_collections.ns.c.plugins.module_utils.mh", "ansible_collections.ns.c.plugins.module_utils.mh.helper"}},
      {"from . import sibling\n", "ansible.module_utils.common",
       {"ansible.module_utils.common", "ansible.module_utils.common.sibling"}},
      {"x = 1; from ansible.module_utils.six import *\n", "ansible.modules", {}},
      {"import sys; import ansible.module_utils.pycompat24\n", "ansible.modules",
       {"ansible.module_utils.pycompat24"}},
  };
  for (const auto& c : cases) {
    CHECK_MESSAGE(ScanImports(c.source, c.package) == c.names, c.source);
  }
}

FakeCodeTree CoreTree() {
  FakeCodeTree t;
  const std::string core = "/site/ansible/";
  t.Add(core + "__init__.py", "import ansible.release\n");
  t.Add(core + "modules/__init__.py", "");
  t.Add(core + "modules/m.py", "from ansible.module_utils.basic import AnsibleModule\n"
                               "from ansible.module_utils.six.moves import shlex_quote\n");
  t.Add(core + "module_utils/__init__.py", "");
  t.Add(core + "module_utils/basic.py", "from ansible.module_utils.common.text import converters\n");
  t.Add(core + "module_utils/common/__init__.py", "");
  t.Add(core + "module_utils/common/text/__init__.py", "");
  t.Add(core + "module_utils/common/text/converters.py", "import os\n");
  t.Add(core + "module_utils/six/__init__.py", "# six\n");
  t.Add(core + "module_utils/unused.py", "");
  t.Add("/coll/ansible_collections/ns/c/plugins/modules/x.py",
        "from ansible.module_utils.basic import AnsibleModule\n"
        "from ..module_utils.helper import h\n");
  t.Add("/coll/ansible_collections/ns/c/plugins/module_utils/helper.py", "");
  return t;
}

Names NamesOf(const std::vector<PayloadFile>& files) {
  Names out;
  for (const auto& f : files) out.push_back(f.name);
  return out;
}

TEST_CASE("CollectModuleFiles: recursive imports, package __init__ files, six.moves falls back to six") {
  FakeCodeTree tree = CoreTree();
  CodeRoots roots{"/site", {"/coll"}};
  auto files = CollectModuleFiles({"ansible.builtin.m", "/site/ansible/modules/m.py", "ansible.modules.m", ""},
                                  roots, tree);
  REQUIRE(files);
  CHECK(NamesOf(*files) == Names{"ansible/__init__.py", "ansible/module_utils/__init__.py",
                                 "ansible/module_utils/basic.py",
                                 "ansible/module_utils/common/__init__.py",
                                 "ansible/module_utils/common/text/__init__.py",
                                 "ansible/module_utils/common/text/converters.py",
                                 "ansible/module_utils/six/__init__.py", "ansible/modules/__init__.py",
                                 "ansible/modules/m.py"});
  // Ours, not the real one (it imports ansible.release).
  CHECK(files->front().content.find("extend_path") != std::string::npos);
}

TEST_CASE("CollectModuleFiles: a collection module gets empty __init__ files and its module_utils") {
  FakeCodeTree tree = CoreTree();
  CodeRoots roots{"/site", {"/coll"}};
  auto files = CollectModuleFiles({"ns.c.x", "/coll/ansible_collections/ns/c/plugins/modules/x.py",
                                   "ansible_collections.ns.c.plugins.modules.x", ""},
                                  roots, tree);
  REQUIRE(files);
  Names names = NamesOf(*files);
  for (const char* want : {"ansible_collections/__init__.py", "ansible_collections/ns/__init__.py",
                           "ansible_collections/ns/c/__init__.py",
                           "ansible_collections/ns/c/plugins/__init__.py",
                           "ansible_collections/ns/c/plugins/module_utils/__init__.py",
                           "ansible_collections/ns/c/plugins/module_utils/helper.py",
                           "ansible_collections/ns/c/plugins/modules/x.py",
                           "ansible/module_utils/basic.py"}) {
    CHECK_MESSAGE(std::find(names.begin(), names.end(), want) != names.end(), want);
  }
}

}  // namespace
}  // namespace tend
