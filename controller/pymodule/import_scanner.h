#pragma once

// The module_utils a module needs on the host, found as Ansible's module
// packing (AnsiballZ) finds them: by reading its imports, then the imports
// of what those bring, recursively, with every package's __init__.py.

#include <string>
#include <string_view>
#include <vector>

#include "controller/pymodule/code_tree.h"
#include "controller/pymodule/module_locator.h"
#include "core/error.h"

namespace tend {

/// The absolute dotted names a Python source imports from
/// `ansible.module_utils` or a collection (`ansible_collections.…`):
/// `import a.b as c`, `from a.b import c, d` (giving a.b, a.b.c and a.b.d,
/// since c may be a submodule), parenthesised and continued lines, imports
/// inside try/if blocks, and relative imports resolved against `package`
/// (the dotted package the source belongs to).
std::vector<std::string> ScanImports(std::string_view source, std::string_view package);

/// One file of the payload: its path inside the zip and its bytes.
struct PayloadFile {
  std::string name;
  std::string content;
};

/// The module and everything it imports, recursively, as zip entries sorted
/// by name, including the packages' __init__.py files (written empty where a
/// collection has none, as AnsiballZ does). A dotted name that is not a file
/// falls back to its parent (`six.moves.x` is `six`); an import that nothing
/// provides is left for Python to report, as Ansible leaves it.
Expected<std::vector<PayloadFile>> CollectModuleFiles(const ModuleCode& module, const CodeRoots& roots,
                                                      const CodeTree& tree);

}  // namespace tend
