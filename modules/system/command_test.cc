#include <doctest/doctest.h>

#include "modules/testing/fake_host.h"
#include "modules/host/real_host.h"
#include "modules/framework/registry.h"

namespace tend {
namespace {

Json Run(Host& host, std::string_view module, Json args, bool check = false) {
  ModuleContext context{
      .args = std::move(args), .check = check, .diff = false, .host = &host, .fetch_content = {}};
  return RunModule(*FindModule(module), context);
}

}  // namespace

TEST_CASE("command runs argv from _raw_params and returns Ansible's fields") {
  RealHost host;
  Json r = Run(host, "command", Json{{"_raw_params", "printf 'a\\nb\\n\\n'"}});
  CHECK(r["changed"] == true);
  CHECK(r["rc"] == 0);
  CHECK(r["stdout"] == "a\nb");
  CHECK(r["stdout_lines"].dump() == R"(["a","b"])");
  CHECK(r["cmd"].dump() == R"(["printf","a\\nb\\n\\n"])");
  CHECK(r["msg"] == "");
  for (const char* key : {"start", "end", "delta", "stderr", "stderr_lines"}) {
    CHECK_MESSAGE(r.contains(key), key);
  }
}

TEST_CASE("command failure, missing binary, stdin and chdir") {
  RealHost host;
  Json fail = Run(host, "command", Json{{"argv", {"sh", "-c", "echo no >&2; exit 4"}}});
  CHECK(fail["failed"] == true);
  CHECK(fail["rc"] == 4);
  CHECK(fail["msg"] == "non-zero return code");
  CHECK(fail["stderr"] == "no");
  Json missing = Run(host, "command", Json{{"_raw_params", "/no/such/binary"}});
  CHECK(missing["failed"] == true);
  CHECK(missing["rc"] == 2);
  CHECK(missing["msg"] == "[Errno 2] No such file or directory: '/no/such/binary'");
  Json in = Run(host, "command", Json{{"_raw_params", "cat"}, {"stdin", "x"}});
  CHECK(in["stdout"] == "x");
  Json raw_in = Run(host, "command",
                    Json{{"_raw_params", "cat"},
                         {"stdin", "x"},
                         {"stdin_add_newline", false},
                         {"strip_empty_ends", false}});
  CHECK(raw_in["stdout"] == "x");
  Json dir = Run(host, "command", Json{{"_raw_params", "pwd"}, {"chdir", "/tmp"}});
  CHECK(dir["stdout"] == "/tmp");
}

TEST_CASE("shell runs through /bin/sh or the given executable") {
  RealHost host;
  Json r = Run(host, "shell", Json{{"_raw_params", "echo $((1+2)) | tr 3 x"}});
  CHECK(r["stdout"] == "x");
  CHECK(r["cmd"] == "echo $((1+2)) | tr 3 x");
  Json bash = Run(host, "shell", Json{{"_raw_params", "echo $0"}, {"executable", "/bin/bash"}});
  CHECK(bash["stdout"] == "/bin/bash");
}

TEST_CASE("creates and removes take a glob, as Ansible's glob.glob()") {
  FakeHost host;
  host.AddFile("/tmp/g/afile.txt", "");
  Json made = Run(host, "command", Json{{"_raw_params", "touch x"}, {"creates", "/tmp/g/afile.*"}});
  CHECK(made["changed"] == false);
  CHECK(made["msg"] == "Did not run command since '/tmp/g/afile.*' exists");
  Json gone = Run(host, "command", Json{{"_raw_params", "rm x"}, {"removes", "/tmp/g/b*.txt"}});
  CHECK(gone["msg"] == "Did not run command since '/tmp/g/b*.txt' does not exist");
  CHECK(host.commands().empty());
}

TEST_CASE("creates and removes guard the command, also in check mode") {
  FakeHost host;
  host.AddFile("/tmp/marker", "");
  Json r =
      Run(host, "command", Json{{"_raw_params", "touch /tmp/marker"}, {"creates", "/tmp/marker"}});
  CHECK(r["changed"] == false);
  CHECK(r["msg"] == "Did not run command since '/tmp/marker' exists");
  CHECK(r["stdout"] == "skipped, since /tmp/marker exists");
  Json removes =
      Run(host, "command", Json{{"_raw_params", "rm /tmp/gone"}, {"removes", "/tmp/gone"}}, true);
  CHECK(removes["msg"] == "Would not run command since '/tmp/gone' does not exist");
  CHECK(host.commands().empty());
}

TEST_CASE("check mode runs nothing") {
  FakeHost host;
  Json plain = Run(host, "command", Json{{"_raw_params", "reboot"}}, true);
  CHECK(plain["skipped"] == true);
  CHECK(plain["changed"] == false);
  CHECK(plain["msg"] == "Command would have run if not in check mode");
  Json guarded = Run(host, "shell", Json{{"_raw_params", "make"}, {"creates", "/tmp/out"}}, true);
  CHECK(guarded["changed"] == true);
  CHECK(host.commands().empty());
}

TEST_CASE("command ignores executable with Ansible's warning; shell uses it") {
  FakeHost host;
  Json r = Run(host, "command", Json{{"_raw_params", "ls /dev/null"}, {"executable", "/bogus"}});
  CHECK(r["cmd"] == Json::array({"ls", "/dev/null"}));
  CHECK(r["warnings"] == Json::array({"As of Ansible 2.4, the parameter 'executable' is no "
                                      "longer supported with the 'command' module. Not using "
                                      "'/bogus'."}));
}

TEST_CASE("bad command arguments are failed results") {
  FakeHost host;
  Json both = Run(host, "command", Json{{"_raw_params", "ls"}, {"argv", {"ls"}}});
  CHECK(both["msg"] == "only command or argv can be given, not both");
  CHECK(both["rc"] == 256);
  CHECK(Run(host, "command", Json{{"_raw_params", ""}})["msg"] == "no command given");
  // No command at all is the module's failure, as in Ansible (not a spec error).
  for (const char* module : {"command", "shell"}) {
    Json none = Run(host, module, Json{{"chdir", "/"}});
    CHECK(none["failed"] == true);
    CHECK(none["msg"] == "no command given");
    CHECK(none["rc"] == 256);
  }
  CHECK(Run(host, "command", Json{{"_raw_params", "echo 'x"}})["msg"] ==
        "failed to parse the command: No closing quotation");
  CHECK(Run(host, "command", Json{{"_raw_params", "ls"}, {"chdri", "/"}})["msg"] ==
        "unsupported parameter 'chdri' for module 'command', did you mean 'chdir'?");
  Json crash = Run(host, "ping", Json{{"data", "crash"}});
  CHECK(crash["msg"] == "MODULE FAILURE: module ping raised an exception: boom");
  CHECK(crash["module_stderr"] == "Exception: boom\n");
  CHECK(crash["module_stdout"] == "");
  CHECK(crash["rc"] == 1);
}

}  // namespace tend
