#pragma once

// Where Ansible's code for a module is on the controller: ansible-core's
// `ansible/modules`, then the collections on the collections path, as
// Ansible's plugin loader finds them, following the routing (redirects) of
// ansible-core's ansible_builtin_runtime.yml and each collection's
// meta/runtime.yml.

#include <string>
#include <string_view>
#include <vector>

#include "controller/pymodule/code_tree.h"
#include "core/error.h"

namespace tend {

struct CodeRoots {
  /// The directory holding the `ansible` package (site-packages), or "".
  std::string core;
  /// Directories holding an `ansible_collections` directory, in search order.
  std::vector<std::string> collections;
};

/// Where Python packages are installed on this kind of machine, most
/// specific first: the user's (pip --user), /usr/local, the distribution's.
std::vector<std::string> DefaultSitePackages(const std::string& home);

/// Ansible's default collections path when ansible.cfg and the environment
/// set none.
std::vector<std::string> DefaultCollectionsPath(const std::string& home);

/// The first of `site_packages` with ansible-core in it, and the collections
/// path: `collections_path` (ansible.cfg / ANSIBLE_COLLECTIONS_PATH, `~`
/// expanded; a path that ends in ansible_collections counts as its parent),
/// then the site-packages directory beside ansible-core (Debian's `ansible`
/// package installs the collections there).
CodeRoots FindCodeRoots(const CodeTree& tree, const std::vector<std::string>& site_packages,
                        const std::vector<std::string>& collections_path, const std::string& home);

struct ModuleCode {
  std::string fqcn;    // ansible.builtin.known_hosts, community.general.pam_limits
  std::string path;    // the module's file on the controller
  std::string dotted;  // its import name: ansible.modules.known_hosts, ansible_collections....
  /// Its action plugin (controller-side Python) when it has one, else "".
  std::string action_plugin;
};

/// The module a task names (short for ansible.builtin, or an FQCN), after
/// routing. Not found: an error saying where tend looked and what to install.
Expected<ModuleCode> LocateModule(std::string_view name, const CodeRoots& roots, const CodeTree& tree);

/// The directory of collection `ns.coll` (…/ansible_collections/ns/coll), or "".
std::string CollectionDir(std::string_view ns_coll, const CodeRoots& roots, const CodeTree& tree);

}  // namespace tend
