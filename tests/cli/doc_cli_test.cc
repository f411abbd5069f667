// `tend doc` as users run it (issue 19): the list of every module name tend
// resolves and how, one module's arguments from tend's native spec or from
// the DOCUMENTATION of Ansible's code, and an unknown module.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using tend::labtest::Contains;
using tend::labtest::Run;
using tend::labtest::Sh;
using tend::labtest::SourceDir;
using tend::labtest::TendBinary;

// A line of `text` that matches `pattern` whole.
bool HasLine(const std::string& text, const std::string& pattern) {
  return std::regex_search(text, std::regex("(^|\n)" + pattern + "(\n|$)"));
}

TEST_CASE("tend doc --list: native modules, Ansible's code found here, and what cannot run") {
  Run list = Sh(TendBinary() + " doc --list");
  REQUIRE(list.rc == 0);
  CHECK(HasLine(list.out, "file +native"));
  CHECK(HasLine(list.out, "debug +native"));
  // ansible-core's module, and a short name it routes to a collection.
  CHECK(HasLine(list.out, "known_hosts +python /\\S+/ansible/modules/known_hosts\\.py"));
  CHECK(HasLine(list.out,
                "pam_limits +python /\\S+/ansible_collections/community/general/plugins/modules/pam_limits\\.py"));
  CHECK(HasLine(list.out, "synchronize +unavailable \\(action plugin: /\\S+/plugins/action/synchronize\\.py\\)"));
  // Native names are listed once, as native.
  CHECK_FALSE(HasLine(list.out, "file +python .*"));
}

TEST_CASE("tend doc MODULE: a native module from its spec") {
  Run doc = Sh(TendBinary() + " doc file");
  INFO(doc.out);
  CHECK(doc.rc == 0);
  CHECK(doc.out.starts_with("> file  (native in tend)\n"));
  CHECK(HasLine(doc.out, "- path \\(path, required\\)"));
  CHECK(HasLine(doc.out, "    aliases: dest, name"));
}

TEST_CASE("tend doc MODULE: a module tend runs as Python, from its DOCUMENTATION") {
  std::string collections =
      (std::filesystem::path(SourceDir()) / "tests/cli/collections").lexically_normal().string();
  Run doc = Sh("ANSIBLE_COLLECTIONS_PATH=" + collections + " " + TendBinary() + " doc tendtest.fixture.greet");
  INFO(doc.out);
  CHECK(doc.rc == 0);
  CHECK(doc.out == "> tendtest.fixture.greet  (" + collections +
                       "/ansible_collections/tendtest/fixture/plugins/modules/greet.py)\n\n"
                       "Says hello to someone\n\n"
                       "- name (str, required)\n"
                       "    Who to greet.\n"
                       "- times (int, default: 1)\n"
                       "    How often. At least once.\n"
                       "- tone (str)\n"
                       "    choices: warm, dry\n"
                       "    aliases: style\n"
                       "    How it sounds.\n");
}

TEST_CASE("tend doc: an unknown module, an action plugin, and no module are clear errors") {
  Run unknown = Sh(TendBinary() + " doc fiel");
  CHECK(unknown.rc == 1);
  CHECK(unknown.out == "ERROR! unknown module 'fiel', did you mean 'file'?\n");
  Run missing = Sh("ANSIBLE_COLLECTIONS_PATH=/nonexistent " + TendBinary() + " doc tendtest.fixture.greet");
  CHECK(missing.rc == 1);
  CHECK(Contains(missing.out, "ERROR! unknown module 'tendtest.fixture.greet'"));
  Run sync = Sh(TendBinary() + " doc ansible.posix.synchronize");
  INFO(sync.out);
  CHECK(sync.rc == 0);
  CHECK(Contains(sync.out, "\nNote: module ansible.posix.synchronize is not native in tend and needs "
                           "Ansible's action plugin (controller-side Python: "));
  Run none = Sh(TendBinary() + " doc");
  CHECK(none.rc == 5);
  CHECK(Contains(none.out, "ERROR! name a module, or use --list"));
}

}  // namespace
