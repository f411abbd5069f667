#pragma once

// A HostCatalog held in memory, for executor tests.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "controller/playbook/executor.h"

namespace tend {

// Hosts h1..hN in group `web`, plus whatever add_host/group_by add.
class FakeCatalog : public HostCatalog {
 public:
  explicit FakeCatalog(std::vector<std::string> hosts) : hosts_(std::move(hosts)) {
    for (const auto& h : hosts_) groups_["web"].push_back(h);
  }
  Expected<std::vector<std::string>> Match(const std::string& pattern) override {
    if (pattern == "all" || pattern == "web") return hosts_;
    if (groups_.contains(pattern)) return groups_[pattern];
    for (const auto& h : hosts_) {
      if (h == pattern) return std::vector<std::string>{h};
    }
    return std::vector<std::string>{};
  }
  Json HostVars(const std::string& host) override {
    return vars.contains(host) ? vars[host] : Json::object();
  }
  std::vector<std::string> GroupNames(const std::string& host) override {
    std::vector<std::string> out;
    for (const auto& [g, members] : groups_) {
      if (std::find(members.begin(), members.end(), host) != members.end()) out.push_back(g);
    }
    return out;
  }
  Json GroupsJson() override {
    Json out = {{"all", hosts_}};
    for (const auto& [g, members] : groups_) out[g] = members;
    return out;
  }
  std::vector<std::string> AllHosts() override { return hosts_; }
  void AddHost(const std::string& host, const std::vector<std::string>& groups,
               const Json&) override {
    if (std::find(hosts_.begin(), hosts_.end(), host) == hosts_.end()) hosts_.push_back(host);
    for (const auto& g : groups) {
      auto& members = groups_[g];
      if (std::find(members.begin(), members.end(), host) == members.end()) members.push_back(host);
    }
  }
  std::string InventoryDir() override { return "/inv"; }

  Json vars = Json::object();

 private:
  std::vector<std::string> hosts_;
  std::map<std::string, std::vector<std::string>> groups_;
};

}  // namespace tend
