#include "modules/framework/registry.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace tend {
namespace {

std::string SourceDir() {
  const char* source = std::getenv("TEND_SOURCE_DIR");
  return source ? source : ".";
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every `Foo` with a `const ModuleSpec& FooSpec()` defined under modules/:
// the modules that exist in code, whether or not the table lists them.
std::set<std::string> DefinedModules() {
  static const std::regex definition(R"(\nconst ModuleSpec& (\w+)Spec\(\) \{)");
  std::set<std::string> out;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(SourceDir() + "/modules")) {
    if (entry.path().extension() != ".cc") continue;
    std::string text = ReadText(entry.path());
    for (std::sregex_iterator it(text.begin(), text.end(), definition), end; it != end; ++it) {
      out.insert((*it)[1]);
    }
  }
  return out;
}

// CamelCase to the module's name: KernelBlacklist -> kernel_blacklist.
std::string SnakeCase(const std::string& camel) {
  std::string out;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (!out.empty()) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

TEST_CASE("the registry lists each name once") {
  std::set<std::string_view> seen;
  for (const auto& entry : Actions()) {
    CHECK_MESSAGE(seen.insert(entry.name).second, "listed twice: " << entry.name);
    CHECK_MESSAGE(entry.roles != 0, entry.name << " has no role");
  }
}

TEST_CASE("every agent module in the registry has a Module of that name, and only those") {
  for (const auto& entry : Actions()) {
    bool has_module = entry.module.spec != nullptr && entry.module.run != nullptr;
    CHECK_MESSAGE(has_module == entry.Has(kAgentModule), entry.name);
    if (has_module) CHECK(entry.module.spec().name == entry.name);
  }
}

TEST_CASE("every module defined in code is registered, and the agent announces each") {
  std::vector<std::string> names = ModuleNames();
  std::set<std::string> announced(names.begin(), names.end());
  CHECK(announced.size() == names.size());
  std::set<std::string> defined = DefinedModules();
  // The agent's runner of Ansible's Python code (modules/python/) is served
  // under kPythonModuleOp, a name no task may use, so it is not registered.
  defined.erase("PythonModule");
  CHECK(defined.size() == names.size());
  for (const auto& module : defined) {
    std::string name = SnakeCase(module);
    CHECK_MESSAGE(announced.contains(name), "defined but not registered: " << name);
    CHECK_MESSAGE(FindModule(name) != nullptr, name);
  }
}

TEST_CASE("names tend has no module for are not claimed") {
  for (const char* name : {"reboot", "ufw", "dnf", "yum", "wait_for_connection", "known_hosts"}) {
    CHECK_MESSAGE(FindAction(name) == nullptr, name);
    CHECK(FindModule(name) == nullptr);
  }
}

TEST_CASE("FQCNs and redirects resolve to the registered short name") {
  CHECK(CanonicalModuleName("ansible.builtin.copy") == "copy");
  CHECK(CanonicalModuleName("community.general.modprobe") == "modprobe");
  CHECK(CanonicalModuleName("ansible.utils.ping") == "ping");
  CHECK(CanonicalModuleName("include") == "include_tasks");
  // The redirect applies after the collection prefix too.
  CHECK(CanonicalModuleName("ansible.builtin.include") == "include_tasks");
  CHECK(CanonicalModuleName("acme.thing.copy") == "acme.thing.copy");
  CHECK(FindModule("ansible.builtin.systemd_service") != nullptr);
  CHECK(FindModule("debug") == nullptr);
}

}  // namespace tend
