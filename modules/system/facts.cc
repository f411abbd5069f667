#include "modules/system/facts.h"

#include <fmt/format.h>

#include <algorithm>

#include "modules/system/fact_shaping.h"

namespace tend {

using namespace facts;

const std::vector<FactCollector>& FactCollectors() {
  // Ansible's Linux collectors with the names gather_subset accepts for
  // them (module_utils/facts/default_collectors.py and each collector's
  // _fact_ids). `facter` and `ohai` only run those tools when installed;
  // tend does not, so they are accepted and return nothing.
  static const std::vector<FactCollector> collectors{
      {"platform",
       {"system", "kernel", "kernel_version", "machine", "python_version", "architecture", "machine_id"},
       {},
       AddPlatformFacts,
       {"ansible_system", "ansible_kernel", "ansible_kernel_version", "ansible_machine",
        "ansible_architecture", "ansible_nodename", "ansible_hostname", "ansible_fqdn",
        "ansible_domain", "ansible_userspace_bits", "ansible_userspace_architecture",
        "ansible_machine_id", "ansible_python_version"}},
      {"distribution",
       {"distribution_version", "distribution_release", "distribution_major_version", "os_family"},
       {},
       AddDistributionFacts,
       {"ansible_distribution", "ansible_os_family", "ansible_distribution_version",
        "ansible_distribution_major_version", "ansible_distribution_minor_version",
        "ansible_distribution_release", "ansible_distribution_file_path",
        "ansible_distribution_file_variety", "ansible_distribution_file_parsed"}},
      {"lsb", {}, {}, AddLsbFacts, {"ansible_lsb"}},
      {"selinux", {}, {}, AddSelinuxFacts, {"ansible_selinux", "ansible_selinux_python_present"}},
      {"apparmor", {}, {}, AddApparmorFacts, {"ansible_apparmor"}},
      {"chroot", {"is_chroot"}, {}, AddChrootFacts, {"ansible_is_chroot"}},
      {"fips", {}, {}, AddFipsFacts, {"ansible_fips"}},
      {"python", {}, {}, AddPythonFacts, {"ansible_python"}},
      {"caps",
       {"system_capabilities", "system_capabilities_enforced"},
       {},
       AddCapsFacts,
       {"ansible_system_capabilities", "ansible_system_capabilities_enforced"}},
      {"pkg_mgr", {}, {"distribution"}, AddPkgMgrFacts, {"ansible_pkg_mgr"}},
      {"service_mgr", {}, {"platform", "distribution"}, AddServiceMgrFacts, {"ansible_service_mgr"}},
      {"cmdline", {}, {}, AddCmdlineFacts, {"ansible_cmdline", "ansible_proc_cmdline"}},
      {"date_time", {}, {}, AddDateTimeFacts, {"ansible_date_time"}},
      {"env", {}, {}, AddEnvFacts, {"ansible_env"}},
      {"loadavg", {}, {}, AddLoadavgFacts, {"ansible_loadavg"}},
      {"ssh_pub_keys",
       {"ssh_host_pub_keys", "ssh_host_key_dsa_public", "ssh_host_key_rsa_public",
        "ssh_host_key_ecdsa_public", "ssh_host_key_ed25519_public"},
       {},
       AddSshPubKeyFacts,
       {"ansible_ssh_host_key_ed25519_public", "ansible_ssh_host_key_ed25519_public_keytype"}},
      {"user",
       {"user_id", "user_uid", "user_gid", "user_gecos", "user_dir", "user_shell", "real_user_id",
        "effective_user_id", "effective_group_ids"},
       {},
       AddUserFacts,
       {"ansible_user_id", "ansible_user_uid", "ansible_user_gid", "ansible_user_gecos",
        "ansible_user_dir", "ansible_user_shell", "ansible_real_user_id",
        "ansible_effective_user_id", "ansible_real_group_id", "ansible_effective_group_id"}},
      {"virtual",
       {"virtualization_type", "virtualization_role", "virtualization_tech_guest",
        "virtualization_tech_host"},
       {},
       AddVirtualFacts,
       {"ansible_virtualization_type", "ansible_virtualization_role",
        "ansible_virtualization_tech_guest", "ansible_virtualization_tech_host"}},
      {"hardware",
       {"processor", "processor_cores", "processor_count", "mounts", "devices"},
       {"platform"},
       AddHardwareFacts,
       {"ansible_processor", "ansible_processor_count", "ansible_processor_cores",
        "ansible_processor_threads_per_core", "ansible_processor_vcpus",
        "ansible_processor_nproc", "ansible_memtotal_mb", "ansible_memfree_mb",
        "ansible_swaptotal_mb", "ansible_swapfree_mb", "ansible_memory_mb", "ansible_bios_date",
        "ansible_bios_vendor", "ansible_bios_version", "ansible_board_asset_tag",
        "ansible_board_name", "ansible_board_serial", "ansible_board_vendor",
        "ansible_board_version", "ansible_chassis_asset_tag", "ansible_chassis_serial",
        "ansible_chassis_vendor", "ansible_chassis_version", "ansible_form_factor",
        "ansible_product_name", "ansible_product_serial", "ansible_product_uuid",
        "ansible_product_version", "ansible_system_vendor", "ansible_device_links",
        "ansible_devices", "ansible_uptime_seconds", "ansible_lvm", "ansible_mounts"}},
      {"dns", {}, {}, AddDnsFacts, {"ansible_dns"}},
      {"fibre_channel_wwn", {}, {}, AddFibreChannelFacts, {"ansible_fibre_channel_wwn"}},
      {"iscsi", {}, {}, AddIscsiFacts, {"ansible_iscsi_iqn"}},
      {"nvme", {}, {}, AddNvmeFacts, {"ansible_hostnqn"}},
      {"network",
       {"interfaces", "default_ipv4", "default_ipv6", "all_ipv4_addresses", "all_ipv6_addresses"},
       {"distribution", "platform"},
       AddNetworkFacts,
       {"ansible_interfaces", "ansible_default_ipv4", "ansible_default_ipv6",
        "ansible_all_ipv4_addresses", "ansible_all_ipv6_addresses"}},
      {"local", {}, {}, AddLocalFacts, {"ansible_local"}},
      {"facter", {}, {}, [](const FactSources&, Json&) {}, {}},
      {"ohai", {}, {}, [](const FactSources&, Json&) {}, {}},
  };
  return collectors;
}

const std::set<std::string>& MinimalGatherSubset() {
  static const std::set<std::string> names{
      "apparmor", "caps", "cmdline", "date_time", "distribution", "dns", "env", "fips", "local",
      "lsb", "pkg_mgr", "platform", "python", "selinux", "service_mgr", "ssh_pub_keys", "user"};
  return names;
}

Expected<std::set<std::string>> ResolveGatherSubset(const std::vector<std::string>& subset) {
  // Every collector name and fact id is a valid subset; a collector runs
  // when any of its names survives (module_utils/facts/collector.py).
  std::set<std::string> valid;
  std::map<std::string, std::set<std::string>> aliases;
  for (const auto& c : FactCollectors()) {
    valid.insert(c.name);
    for (const auto& id : c.fact_ids) {
      valid.insert(id);
      aliases[c.name].insert(id);
    }
  }
  const auto& minimal = MinimalGatherSubset();
  std::set<std::string> added, excluded, explicitly;
  std::vector<std::string> terms{"min"};
  terms.insert(terms.end(), subset.begin(), subset.end());
  if (subset.empty()) terms.push_back("all");
  for (const auto& term : terms) {
    if (term == "min") {
      added.insert(minimal.begin(), minimal.end());
    } else if (term == "all") {
      added.insert(valid.begin(), valid.end());
    } else if (term == "!min") {
      excluded.insert(minimal.begin(), minimal.end());
    } else if (term == "!all") {
      for (const auto& name : valid) {
        if (!minimal.contains(name)) excluded.insert(name);
      }
    } else if (term.starts_with('!')) {
      std::string name = term.substr(1);
      excluded.insert(name);
      excluded.insert(aliases[name].begin(), aliases[name].end());
    } else if (!valid.contains(term)) {
      std::vector<std::string> sorted(valid.begin(), valid.end());
      return Fail(fmt::format("Bad subset '{}' given to Ansible. gather_subset options allowed: all, {}",
                              term, fmt::join(sorted, ", ")));
    } else {
      explicitly.insert(term);
      added.insert(term);
    }
  }
  if (added.empty()) added = valid;
  for (const auto& name : excluded) {
    if (!explicitly.contains(name)) added.erase(name);
  }
  std::set<std::string> collectors;
  for (const auto& c : FactCollectors()) {
    bool named = added.contains(c.name) ||
                 std::any_of(c.fact_ids.begin(), c.fact_ids.end(), [&](const auto& id) { return added.contains(id); });
    if (named) collectors.insert(c.name);
  }
  // What a selected collector requires runs too (network needs platform).
  for (bool grew = true; grew;) {
    grew = false;
    for (const auto& c : FactCollectors()) {
      if (!collectors.contains(c.name)) continue;
      for (const auto& needed : c.required) grew = collectors.insert(needed).second || grew;
    }
  }
  return collectors;
}

Json ShapeFacts(const FactSources& sources, const std::set<std::string>& collectors) {
  Json shaped = Json::object();
  for (const auto& c : FactCollectors()) {
    if (collectors.contains(c.name)) c.add(sources, shaped);
  }
  // Ansible's fact namespace turns '-' into '_' in every name ("br-1a2b").
  Json out = Json::object();
  for (auto& [key, value] : shaped.items()) {
    std::string name = key;
    std::replace(name.begin(), name.end(), '-', '_');
    out[name] = std::move(value);
  }
  return out;
}

Json ShapeFacts(const FactSources& sources) {
  std::set<std::string> all;
  for (const auto& c : FactCollectors()) all.insert(c.name);
  return ShapeFacts(sources, all);
}

const std::vector<std::string>& FactNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& c : FactCollectors()) out.insert(out.end(), c.facts.begin(), c.facts.end());
    return out;
  }();
  return names;
}

}  // namespace tend
