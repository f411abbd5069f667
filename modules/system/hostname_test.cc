#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

TEST_CASE("hostname: /etc/hostname and the running name; facts, diff, idempotent") {
  FakeHost host = MakeHost();
  host.AddDirectory("/proc");
  host.AddDirectory("/proc/sys");
  host.AddDirectory("/proc/sys/kernel");
  host.AddFile("/proc/sys/kernel/hostname", "old\n");
  host.AddFile("/etc/hostname", "old\n");
  host.AddFile("/etc/hosts", "127.0.0.1 localhost\n127.0.1.1 web1.example.org web1\n");
  host.OnRun([](const ProcessSpec& spec, FakeHost& h) {
    if (spec.argv[0] == "hostname") h.AddFile("/proc/sys/kernel/hostname", spec.argv[1] + "\n");
    return ProcessResult{};
  });
  host.ClearRecords();
  Task task{.host = host, .module = "hostname", .args = {{"name", "web1"}}};
  CheckCheckMode(task);
  CHECK(host.commands().empty());
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["diff"] == Json{{"after", "hostname = web1\n"}, {"before", "hostname = old\n"}});
  CHECK(first["ansible_facts"]["ansible_fqdn"] == "web1.example.org");
  CHECK(first["ansible_facts"]["ansible_domain"] == "example.org");
  CHECK(first["ansible_facts"]["ansible_hostname"] == "web1");
  CHECK(host.Content("/etc/hostname") == "web1\n");
  CHECK(host.commands() == std::vector<std::string>{"hostname web1"});
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(host.changes().empty());
  CHECK(host.commands().empty());
}

}  // namespace
}  // namespace tend
