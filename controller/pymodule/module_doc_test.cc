#include "controller/pymodule/module_doc.h"

#include <doctest/doctest.h>

namespace tend {
namespace {

TEST_CASE("DocumentationText: the YAML between the triple quotes") {
  CHECK(*DocumentationText("#!/usr/bin/python\nDOCUMENTATION = r'''\nmodule: x\n'''\nEXAMPLES = '''\n'''\n") ==
        "\nmodule: x\n");
  CHECK(*DocumentationText("\nDOCUMENTATION = \"\"\"\nmodule: y\n\"\"\"\n") == "\nmodule: y\n");
  CHECK(DocumentationText("print('hi')\n").error().message == "the module has no DOCUMENTATION");
}

TEST_CASE("FormatDocumentation: options sorted, type, required, default, choices, description") {
  Json doc = {{"short_description", "Add or remove keys"},
              {"options",
               {{"state", {{"type", "str"}, {"default", "present"}, {"choices", {"present", "absent"}},
                           {"description", {"Whether it is there.", "Or not."}}}},
                {"name", {{"type", "str"}, {"required", true}, {"aliases", {"host"}}, {"description", "The host."}}}}}};
  CHECK(FormatDocumentation("known_hosts", "/x/known_hosts.py", doc) ==
        "> known_hosts  (/x/known_hosts.py)\n\n"
        "Add or remove keys\n\n"
        "- name (str, required)\n    aliases: host\n    The host.\n"
        "- state (str, default: present)\n    choices: present, absent\n    Whether it is there. Or not.\n");
}

TEST_CASE("FormatNativeSpec: the native spec in the same layout") {
  ModuleSpec spec{.name = "ping",
                  .short_description = "Try to connect",
                  .args = {{.name = "data", .type = ArgType::kStr, .default_value = "pong"}}};
  CHECK(FormatNativeSpec(spec) == "> ping  (native in tend)\n\nTry to connect\n\n- data (str, default: pong)\n");
}

}  // namespace
}  // namespace tend
