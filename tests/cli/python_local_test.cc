// A collection installed on the collections path that Debian's `ansible`
// package does not ship (tests/cli/collections: tendtest.fixture) runs as
// Ansible's Python code on this machine over the local connection: by FQCN
// and through the `collections:` keyword in `tend play`, and in `tend run`.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

std::string FixtureCollections() {
  return (std::filesystem::path(SourceDir()) / "tests/cli/collections").lexically_normal().string();
}

TEST_CASE("tend play: a module of a collection Debian's list lacks, by FQCN and through collections:") {
  UseBuiltAgent();
  char dir_template[] = "/tmp/tend-python-local-XXXXXX";
  std::string dir = mkdtemp(dir_template);
  std::string play = dir + "/site.yml";
  std::ofstream(play) << R"(- hosts: all
  gather_facts: false
  collections: [tendtest.fixture]
  tasks:
    - tendtest.fixture.greet: {name: a}
      register: one
    - greet: {name: b}
      register: two
    - assert:
        that: [one.msg == 'hello', two.msg == 'hello']
)";
  Run run = Sh("ANSIBLE_COLLECTIONS_PATH=" + FixtureCollections() + " " + TendBinary() +
               " play -i localhost, -c local " + play);
  INFO(run.out);
  CHECK(run.rc == 0);
  CHECK(RecapOf(run.out)[0] == 3);  // ok
  // Without the collection on the path the name is unknown when loading.
  Run without = Sh("ANSIBLE_COLLECTIONS_PATH=/nonexistent " + TendBinary() + " play -i localhost, -c local " + play);
  CHECK(without.rc == 4);
  CHECK(Contains(without.out, "site.yml:5:7: unknown module 'tendtest.fixture.greet'"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("tend run: a module of a collection Debian's list lacks") {
  UseBuiltAgent();
  Run run = Sh("ANSIBLE_COLLECTIONS_PATH=" + FixtureCollections() + " " + TendBinary() +
               " run localhost -i localhost, -c local -m tendtest.fixture.greet -a name=a");
  INFO(run.out);
  CHECK(run.rc == 0);
  CHECK(run.out == "localhost | SUCCESS => {\n    \"changed\": false,\n    \"msg\": \"hello\"\n}\n");
}

}  // namespace
