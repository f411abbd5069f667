#include "controller/lab/lab_inventory.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

namespace tend::lab {
namespace {

std::string_view StripTrailingDigits(std::string_view s) {
  while (!s.empty() && std::isdigit(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string_view StripSuffix(std::string_view s, std::string_view suffix) {
  if (s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix) {
    s.remove_suffix(suffix.size());
  }
  return s;
}

std::string Identifier(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), '-', '_');
  return out;
}

}  // namespace

std::string GroupForHost(std::string_view name) {
  // "node7", "training-node2", "db-2": drop a trailing number and its dash.
  std::string_view stem = StripTrailingDigits(name);
  bool numbered = stem.size() != name.size();
  if (numbered) stem = StripSuffix(stem, "-");
  if (stem == "node") return "nodes";
  std::string_view role = StripSuffix(stem, "-node");
  if (role.size() != stem.size()) return Identifier(role);
  if (numbered && !stem.empty()) return Identifier(stem);
  return "";
}

std::string RenderInventory(std::string_view lab_name, const std::vector<InventoryHost>& hosts,
                            const InventoryPaths& paths) {
  std::string out = fmt::format(
      "# tend lab \"{}\": written by `tend lab up`, rewritten on every up.\n", lab_name);
  std::vector<std::string> group_order;
  std::map<std::string, std::vector<const InventoryHost*>> members;
  for (const auto& h : hosts) {
    std::string group = GroupForHost(h.name);
    if (group.empty()) {
      out += fmt::format("{} ansible_host={}\n", h.name, h.address);
      continue;
    }
    if (!members.count(group)) group_order.push_back(group);
    members[group].push_back(&h);
  }
  for (const auto& group : group_order) {
    out += fmt::format("\n[{}]\n", group);
    for (const auto* h : members[group]) {
      out += fmt::format("{} ansible_host={}\n", h->name, h->address);
    }
  }
  // No ansible_user: connections default to the local user (root, as the lab
  // needs), so `-u admin` can take over after `tend bootstrap` turns off root
  // login; an inventory variable would override -u.
  out += fmt::format(
      "\n[all:vars]\n"
      "ansible_port=22\n"
      "ansible_ssh_private_key_file={}\n"
      "ansible_ssh_common_args='-o UserKnownHostsFile={} -o StrictHostKeyChecking=yes'\n"
      "tend_known_hosts={}\n"
      "tend_lab={}\n",
      paths.private_key, paths.known_hosts, paths.known_hosts, lab_name);
  return out;
}

std::string RenderKnownHosts(const std::vector<InventoryHost>& hosts) {
  std::string out;
  for (const auto& h : hosts) {
    std::istringstream key(h.host_public_key);
    std::string type, blob;
    key >> type >> blob;
    out += fmt::format("{} {} {}\n", h.address, type, blob);
  }
  return out;
}

}  // namespace tend::lab
