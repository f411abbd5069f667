#include "controller/pymodule/module_args.h"

#include <fmt/format.h>

#include <regex>

#include "core/python_format.h"

namespace tend {
namespace {

// The keys a module may return that Ansible keeps (C._ACTION_ALLOWED...).
bool AllowedInternal(const std::string& key) {
  return key == "_ansible_no_log" || key == "_ansible_verbose_always" ||
         key == "_ansible_verbose_override" || key == "_ansible_item_label";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find_first_of("\r\n", start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + 1;
    if (end < text.size() && text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
  return out;
}

}  // namespace

Json AnsibleModuleArgs(Json args, const ModuleRunSettings& s) {
  if (!args.is_object()) args = Json::object();
  args["_ansible_check_mode"] = s.check;
  args["_ansible_no_log"] = s.no_log;
  args["_ansible_debug"] = false;
  args["_ansible_diff"] = s.diff;
  args["_ansible_verbosity"] = s.verbosity;
  args["_ansible_version"] = s.ansible_version;
  args["_ansible_module_name"] = s.module_name;
  args["_ansible_syslog_facility"] = s.syslog_facility;
  args["_ansible_selinux_special_fs"] = Json::array({"fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"});
  args["_ansible_string_conversion_action"] = "warn";
  args["_ansible_socket"] = nullptr;
  args["_ansible_shell_executable"] = "/bin/sh";
  args["_ansible_keep_remote_files"] = false;
  args["_ansible_tmpdir"] = nullptr;
  args["_ansible_remote_tmp"] = s.remote_tmp;
  return args;
}

Json CleanModuleResult(Json result) {
  if (!result.is_object()) return result;
  std::vector<std::string> removed;
  for (auto it = result.begin(); it != result.end();) {
    if (it.key().starts_with("_ansible_") && !AllowedInternal(it.key())) {
      if (it.key() != "_ansible_parsed") {
        removed.push_back(fmt::format("Removed unexpected internal key in module return: {} = {}",
                                      it.key(), PythonStr(it.value())));
      }
      it = result.erase(it);
    } else {
      ++it;
    }
  }
  if (result.contains("results") && !result["results"].is_array()) {
    result["ansible_module_results"] = result["results"];
    result.erase("results");
    removed.push_back("Found internal 'results' key in module return, renamed to 'ansible_module_results'.");
  }
  for (auto& line : removed) result["warnings"].push_back(line);
  for (const char* key : {"warnings", "deprecations"}) {
    if (result.contains(key) && (result[key].is_null() || result[key].empty())) result.erase(key);
  }
  if (result.contains("ansible_facts") && result["ansible_facts"].is_object()) {
    Json& facts = result["ansible_facts"];
    for (auto it = facts.begin(); it != facts.end();) {
      bool discovered = it.key().starts_with("discovered_interpreter_") ||
                        it.key().starts_with("ansible_discovered_interpreter_");
      it = discovered ? facts.erase(it) : std::next(it);
    }
  }
  for (const char* stream : {"stdout", "stderr"}) {
    std::string lines = std::string(stream) + "_lines";
    if (!result.contains(stream) || result.contains(lines)) continue;
    const Json& v = result[stream];
    result[lines] = Lines(v.is_string() ? v.get<std::string>() : std::string());
  }
  return result;
}

std::vector<std::string> InterpreterCandidates(const Json& python_interpreter) {
  if (python_interpreter.is_string()) {
    std::string given = python_interpreter.get<std::string>();
    if (!given.empty() && !given.starts_with("auto")) return {given};
  }
  return {"/usr/bin/python3", "python3.12", "python3.11", "python3.10", "python3.9", "python3.8",
          "python3.7", "python3.6", "python3.5", "python3", "/usr/libexec/platform-python"};
}

std::string AnsibleVersionFromRelease(const std::string& release_py) {
  static const std::regex version(R"(__version__\s*=\s*['"]([^'"]+)['"])");
  std::smatch m;
  if (std::regex_search(release_py, m, version)) return m[1];
  return {};
}

}  // namespace tend
