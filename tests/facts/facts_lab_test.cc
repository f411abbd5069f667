// `tend facts` against Ansible's `setup` on the same lab host: the same fact
// names, the same types and the same values, except for a short list of
// values that change between two gatherings (explained below). Also
// gather_subset and fact_path through `tend play`, and the time gathering
// takes.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using nlohmann::json;
using tend::labtest::Lab;
using tend::labtest::Run;
using tend::labtest::Sh;

const Lab& GetLab() {
  static Lab lab = tend::labtest::StartLab("facts");
  return lab;
}

// Values that differ between any two gatherings, even two of Ansible's.
bool Volatile(const std::string& path) {
  static const std::vector<std::string> kPrefixes{
      ".ansible_date_time.",           // the clock
      ".ansible_uptime_seconds",       // the clock
      ".ansible_loadavg.",             // the machine's load
      ".ansible_memfree_mb",           // memory in use moves all the time
      ".ansible_memory_mb.real.free", ".ansible_memory_mb.real.used",
      ".ansible_memory_mb.nocache.",  ".ansible_memory_mb.swap.free",
      ".ansible_memory_mb.swap.used", ".ansible_memory_mb.swap.cached",
      ".ansible_env.SSH_CLIENT",       // the connection's source port
      ".ansible_env.SSH_CONNECTION",
  };
  static const std::vector<std::string> kMountUsage{".size_available", ".block_available", ".block_used",
                                                    ".inode_available", ".inode_used"};
  for (const auto& p : kPrefixes) {
    if (path.starts_with(p)) return true;
  }
  // Disk usage on the shared filesystem changes between the two runs.
  return path.starts_with(".ansible_mounts[") &&
         std::any_of(kMountUsage.begin(), kMountUsage.end(), [&](const auto& k) { return path.ends_with(k); });
}

// Environment variables Ansible's connection brings and tend's does not:
// OpenSSH's SendEnv LANG and the pty Ansible asks for (TERM, SSH_TTY).
bool ConnectionEnv(const std::string& path) {
  return path == ".ansible_env.LANG" || path == ".ansible_env.TERM" || path == ".ansible_env.SSH_TTY";
}

std::string TypeOf(const json& v) {
  if (v.is_number_integer()) return "int";
  if (v.is_number_float()) return "float";
  return v.type_name();
}

// Lists whose order is not Ansible's to keep (Python sets, a thread pool's
// completion order) are compared sorted.
json Canonical(const std::string& path, json v) {
  if (path == ".ansible_interfaces" || path.starts_with(".ansible_virtualization_tech_")) {
    std::sort(v.begin(), v.end());
  }
  if (path == ".ansible_mounts") {
    std::sort(v.begin(), v.end(), [](const json& a, const json& b) { return a["mount"] < b["mount"]; });
  }
  return v;
}

void Compare(const std::string& path, const json& ansible, const json& tend, std::vector<std::string>& diffs) {
  if (TypeOf(ansible) != TypeOf(tend)) {
    diffs.push_back("type " + path + ": " + TypeOf(ansible) + " vs " + TypeOf(tend));
    return;
  }
  if (ansible.is_object()) {
    for (const auto& [key, value] : ansible.items()) {
      std::string sub = path + "." + key;
      if (!tend.contains(key)) {
        if (!ConnectionEnv(sub)) diffs.push_back("missing " + sub);
      } else {
        Compare(sub, Canonical(sub, value), Canonical(sub, tend[key]), diffs);
      }
    }
    for (const auto& [key, value] : tend.items()) {
      if (!ansible.contains(key)) diffs.push_back("extra " + path + "." + key);
    }
  } else if (ansible.is_array() && ansible.size() == tend.size() && !ansible.empty() &&
             ansible[0].is_structured()) {
    for (size_t i = 0; i < ansible.size(); ++i) {
      Compare(path + "[" + std::to_string(i) + "]", ansible[i], tend[i], diffs);
    }
  } else if (ansible != tend && !Volatile(path)) {
    diffs.push_back("value " + path + ": " + ansible.dump() + " vs " + tend.dump());
  }
}

json FactsOf(const std::string& tree) {
  auto files = std::filesystem::directory_iterator(tree);
  REQUIRE(files != std::filesystem::directory_iterator());
  return json::parse(tend::labtest::Slurp(files->path().string()))["ansible_facts"];
}

json AnsibleSetup(const Lab& lab, const std::string& args = "") {
  std::string tree = std::filesystem::temp_directory_path() / ("tend-facts-ansible-" + std::to_string(::getpid()));
  std::filesystem::remove_all(tree);
  Run r = Sh("ANSIBLE_HOST_KEY_CHECKING=False ansible -i " + lab.inventory +
             " all -m setup -e ansible_python_interpreter=/usr/bin/python3 --tree " + tree +
             (args.empty() ? "" : " -a '" + args + "'"));
  INFO(r.out);
  REQUIRE(r.rc == 0);
  return FactsOf(tree);
}

}  // namespace

TEST_CASE("tend facts reports what Ansible's setup reports on the same host") {
  const Lab& lab = GetLab();
  json ansible = AnsibleSetup(lab);
  std::string tree = std::filesystem::temp_directory_path() / ("tend-facts-tend-" + std::to_string(::getpid()));
  std::filesystem::remove_all(tree);
  Run r = Sh(lab.tend + " facts -i " + lab.inventory + " all --tree " + tree);
  INFO(r.out);
  REQUIRE(r.rc == 0);
  json tend = FactsOf(tree);
  std::vector<std::string> diffs;
  Compare("", ansible, tend, diffs);
  std::string all;
  for (const auto& d : diffs) all += d + "\n";
  INFO(all);
  CHECK(diffs.empty());
  CHECK(tend["ansible_python"]["version"]["major"] == 3);
  MESSAGE("facts: " << ansible.size() << " from Ansible, " << tend.size() << " from tend");
}

TEST_CASE("gather_subset selects the same facts as Ansible's") {
  const Lab& lab = GetLab();
  for (const std::string subset : {"!all", "!all,!min,network", "network,virtual", "all,!hardware"}) {
    json ansible = AnsibleSetup(lab, "gather_subset=" + subset);
    Run r = Sh(lab.tend + " run -i " + lab.inventory + " all -m setup -a 'gather_subset=" + subset + "'");
    INFO(r.out);
    REQUIRE(r.rc == 0);
    json tend = json::parse(r.out.substr(r.out.find('{')))["ansible_facts"];
    std::set<std::string> a, t;
    for (const auto& [key, value] : ansible.items()) a.insert(key);
    for (const auto& [key, value] : tend.items()) t.insert(key);
    CHECK_MESSAGE(a == t, subset);
  }
}

TEST_CASE("fact_path, filter and gather_subset through tend play") {
  Run r = GetLab().Play("tests/facts/fact_path.yml");
  INFO(r.out);
  CHECK(r.rc == 0);
  CHECK(tend::labtest::RecapOf(r.out)[3] == 0);
}

TEST_CASE("gathering stays fast: tend facts against ansible's setup, three runs each") {
  const Lab& lab = GetLab();
  double tend_best = 1e9, ansible_best = 1e9;
  for (int i = 0; i < 3; ++i) {
    tend_best = std::min(tend_best, Sh(lab.tend + " facts -i " + lab.inventory + " all").seconds);
    ansible_best = std::min(ansible_best,
                            Sh("ANSIBLE_HOST_KEY_CHECKING=False ansible -i " + lab.inventory +
                               " all -m setup -e ansible_python_interpreter=/usr/bin/python3").seconds);
  }
  MESSAGE("tend facts " << tend_best << " s, ansible -m setup " << ansible_best << " s");
  CHECK(tend_best < ansible_best);
}
