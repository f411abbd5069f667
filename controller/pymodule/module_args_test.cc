#include "controller/pymodule/module_args.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("AnsibleModuleArgs: the task's arguments with the _ansible_* settings Ansible 2.14 sends") {
  ModuleRunSettings s{.module_name = "community.general.pam_limits",
                      .check = true,
                      .diff = true,
                      .no_log = false,
                      .verbosity = 2,
                      .ansible_version = "2.14.18"};
  Json args = AnsibleModuleArgs(Json{{"domain", "*"}}, s);
  CHECK(args["domain"] == "*");
  CHECK(args["_ansible_check_mode"] == true);
  CHECK(args["_ansible_diff"] == true);
  CHECK(args["_ansible_no_log"] == false);
  CHECK(args["_ansible_verbosity"] == 2);
  CHECK(args["_ansible_version"] == "2.14.18");
  CHECK(args["_ansible_module_name"] == "community.general.pam_limits");
  CHECK(args["_ansible_syslog_facility"] == "LOG_USER");
  CHECK(args["_ansible_string_conversion_action"] == "warn");
  CHECK(args["_ansible_selinux_special_fs"] == Json::array({"fuse", "nfs", "vboxsf", "ramfs", "9p", "vfat"}));
  CHECK(args["_ansible_remote_tmp"] == "~/.ansible/tmp");
  CHECK(args["_ansible_tmpdir"].is_null());
  CHECK(args["_ansible_keep_remote_files"] == false);
  CHECK(args["_ansible_shell_executable"] == "/bin/sh");
  CHECK(args["_ansible_socket"].is_null());
  CHECK(args["_ansible_debug"] == false);
}

TEST_CASE("CleanModuleResult: Ansible's cleaning of a module's return") {
  Json r = CleanModuleResult(Json{{"changed", true},
                                  {"_ansible_parsed", true},
                                  {"_ansible_no_log", false},
                                  {"_ansible_odd", 1},
                                  {"results", "text"},
                                  {"stdout", "a\nb\n"},
                                  {"deprecations", Json::array()},
                                  {"ansible_facts", {{"discovered_interpreter_python", "/x"}, {"k", 1}}}});
  CHECK(r == Json{{"changed", true},
                  {"_ansible_no_log", false},
                  {"stdout", "a\nb\n"},
                  {"ansible_facts", {{"k", 1}}},
                  {"ansible_module_results", "text"},
                  {"warnings",
                   {"Removed unexpected internal key in module return: _ansible_odd = 1",
                    "Found internal 'results' key in module return, renamed to 'ansible_module_results'."}},
                  {"stdout_lines", {"a", "b"}}});
}

TEST_CASE("InterpreterCandidates: the variable when it names one, else discovery") {
  CHECK(InterpreterCandidates(Json("/opt/py/bin/python3")) == std::vector<std::string>{"/opt/py/bin/python3"});
  CHECK(InterpreterCandidates(Json("auto_silent")).front() == "/usr/bin/python3");
  CHECK(InterpreterCandidates(Json()).front() == "/usr/bin/python3");
  CHECK(AnsibleVersionFromRelease("__version__ = '2.14.18'\n__author__ = 'x'\n") == "2.14.18");
}

}  // namespace
}  // namespace tend
