#include "controller/lab/lab_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "core/json.h"

namespace tend::lab {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool ValidHostName(std::string_view name) {
  if (name.empty() || name.size() > 32 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  if (name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return IsLowerAlnum(c) || c == '-'; });
}

}  // namespace

Expected<void> ValidateLabName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 24 && IsLowerAlnum(name[0]) &&
            std::all_of(name.begin(), name.end(),
                        [](char c) { return IsLowerAlnum(c) || c == '-' || c == '_'; });
  if (ok) return {};
  return Fail(fmt::format(
      "invalid lab name '{}': use 1 to 24 lower-case letters, digits, '-' or '_', starting with a "
      "letter or digit",
      name));
}

Expected<std::vector<std::string>> PlanHostNames(int count, const std::vector<std::string>& names) {
  if (count != 0 && !names.empty()) return Fail("give either -n or --hosts, not both");
  if (count == 0 && names.empty()) return Fail("give the hosts with -n N or --hosts a,b,c");
  if (count < 0 || count > kMaxHosts) {
    return Fail(fmt::format("-n must be between 1 and {}, got {}", kMaxHosts, count));
  }
  if (count > 0) {
    std::vector<std::string> planned;
    for (int i = 1; i <= count; ++i) planned.push_back(fmt::format("node{}", i));
    return planned;
  }
  if (names.size() > static_cast<size_t>(kMaxHosts)) {
    return Fail(fmt::format("a lab holds at most {} hosts, got {}", kMaxHosts, names.size()));
  }
  std::set<std::string_view> seen;
  for (const auto& name : names) {
    if (!ValidHostName(name)) {
      return Fail(fmt::format(
          "invalid host name '{}': use 1 to 32 lower-case letters, digits or '-', starting with a "
          "letter",
          name));
    }
    if (!seen.insert(name).second) return Fail(fmt::format("host '{}' is given twice", name));
  }
  return names;
}

bool GrowsFrom(const std::vector<std::string>& existing, const std::vector<std::string>& wanted) {
  return wanted.size() >= existing.size() &&
         std::equal(existing.begin(), existing.end(), wanted.begin());
}

Expected<int> AllocateBlock(std::string_view lab, const BlockTable& taken) {
  if (auto it = taken.find(lab); it != taken.end()) return it->second;
  if (lab == kDefaultLab) return 0;
  std::set<int> used;
  for (const auto& [name, block] : taken) used.insert(block);
  for (int block = 1; block <= 255; ++block) {
    if (!used.count(block)) return block;
  }
  return Fail(fmt::format(
      "no free address block for lab '{}': {} labs exist; take one down with 'tend lab down "
      "--name NAME'",
      lab, taken.size()));
}

std::string HostAddress(int block, size_t index) {
  return fmt::format("127.0.{}.{}", block, kFirstHostOctet + index);
}

BlockTable ParseRegistry(std::string_view text) {
  BlockTable table;
  auto doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("labs") || !doc["labs"].is_object()) return table;
  for (const auto& [name, block] : doc["labs"].items()) {
    if (block.is_number_integer()) table[name] = block.get<int>();
  }
  return table;
}

std::string RenderRegistry(const BlockTable& table) {
  Json labs = Json::object();
  for (const auto& [name, block] : table) labs[name] = block;
  return Json{{"labs", labs}}.dump(2) + "\n";
}

}  // namespace tend::lab
