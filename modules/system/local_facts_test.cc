#include "modules/system/local_facts.h"

#include <doctest/doctest.h>

#include "modules/testing/fake_host.h"

namespace tend {

TEST_CASE("local facts: JSON and INI files read, executables run, failures reported per file") {
  FakeHost host;
  host.AddDirectory("/etc/ansible/facts.d");
  host.AddFile("/etc/ansible/facts.d/node.fact", R"({"role": "trainer", "gpus": 2})");
  host.AddFile("/etc/ansible/facts.d/team.fact", "[general]\nOwner = ml-team\n");
  host.AddFile("/etc/ansible/facts.d/gpu.fact", "#!/bin/sh\n", 0755);
  host.AddFile("/etc/ansible/facts.d/broken.fact", "not json, not ini");
  host.AddFile("/etc/ansible/facts.d/fails.fact", "#!/bin/sh\nexit 3\n", 0755);
  host.AddFile("/etc/ansible/facts.d/notes.txt", "ignored");
  host.AddLink("/etc/ansible/facts.d/dead.fact", "/nowhere");
  host.OnRun([](const ProcessSpec& spec, FakeHost&) {
    if (spec.argv[0].ends_with("fails.fact")) return ProcessResult{3, "", "boom"};
    return ProcessResult{0, R"({"count": 8})", ""};
  });
  std::vector<std::string> warnings;
  Json local = ReadLocalFacts(host, "/etc/ansible/facts.d", warnings);
  CHECK(local["node"]["gpus"] == 2);
  CHECK(local["team"]["general"]["owner"] == "ml-team");
  CHECK(local["gpu"]["count"] == 8);
  CHECK(local["broken"] ==
        "error loading facts as JSON or ini - please check content: /etc/ansible/facts.d/broken.fact");
  CHECK(local["fails"] ==
        "Failure executing fact script (/etc/ansible/facts.d/fails.fact), rc: 3, err: boom");
  CHECK(local["dead"].get<std::string>().starts_with("Could not stat fact (/etc/ansible/facts.d/dead.fact)"));
  CHECK_FALSE(local.contains("notes"));
  CHECK(warnings.size() == 3);
}

TEST_CASE("local facts: a missing fact_path gives an empty ansible_local") {
  FakeHost host;
  std::vector<std::string> warnings;
  CHECK(ReadLocalFacts(host, "/nowhere", warnings).dump() == "{}");
  CHECK(warnings.empty());
}

}  // namespace tend
