#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tend::lab {

/// A lab host as the inventory and known_hosts see it.
struct InventoryHost {
  std::string name;
  std::string address;
  std::string host_public_key;  // "ssh-ed25519 AAAA… comment", as ssh-keygen writes it
};

/// The inventory group a host's name puts it in: "training-node" → "training",
/// "tracking-node2" → "tracking", "node7" → "nodes", "web1" / "db-2" → "web" /
/// "db"; "" when the name suggests none. Dashes become underscores, since
/// Ansible group names are identifiers.
std::string GroupForHost(std::string_view name);

struct InventoryPaths {
  std::string private_key;
  std::string known_hosts;
};

/// The lab's INI inventory: ungrouped hosts first, then one section per group
/// in order of first appearance, then [all:vars] with the connection variables
/// that make `tend` and `ansible-playbook` connect as root with strict host-key
/// checking against the lab's known_hosts.
std::string RenderInventory(std::string_view lab_name, const std::vector<InventoryHost>& hosts,
                            const InventoryPaths& paths);

/// known_hosts lines ("<address> <type> <key>") for the hosts' real host keys.
std::string RenderKnownHosts(const std::vector<InventoryHost>& hosts);

}  // namespace tend::lab
