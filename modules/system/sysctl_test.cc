#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

struct SysctlFixture {
  FakeHost host = MakeHost();
  std::map<std::string, std::string> kernel{{"vm.swappiness", "60"}};
  SysctlFixture() {
    host.AddFile("/etc/sysctl.conf", "# tuning\nvm.swappiness = 60\nnet.core.somaxconn=1024\n");
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) -> ProcessResult {
      const auto& a = spec.argv;
      if (a[1] == "-e" && a[2] == "-n") {
        auto it = kernel.find(a[3]);
        return it == kernel.end() ? ProcessResult{255, "", "unknown key"}
                                  : ProcessResult{0, it->second + "\n", ""};
      }
      if (a[1] == "-w") kernel[a[2].substr(0, a[2].find('='))] = a[2].substr(a[2].find('=') + 1);
      if (a[1] == "-p") {
        for (const auto& line : SplitLines(h.Content(a[2]))) {
          std::string l = line.get<std::string>();
          if (l.find('=') != std::string::npos && l[0] != '#')
            kernel[l.substr(0, l.find('='))] = l.substr(l.find('=') + 1);
        }
      }
      return {};
    });
    host.ClearRecords();
  }
};

TEST_CASE("sysctl: rewrites the key, reloads the file, second run does nothing") {
  SysctlFixture f;
  Task task{.host = f.host, .module = "sysctl", .args = {{"name", "vm.swappiness"}, {"value", 10}}};
  CheckCheckMode(task);
  CheckIdempotent(task);
  CHECK(f.host.Content("/etc/sysctl.conf") ==
        "# tuning\nvm.swappiness=10\nnet.core.somaxconn=1024\n");
  CHECK(f.kernel["vm.swappiness"] == "10");

  Task added{.host = f.host,
             .module = "sysctl",
             .args = {{"key", "net.ipv4.ip_forward"}, {"val", true}, {"reload", false}}};
  CheckIdempotent(added);
  CHECK(f.host.Content("/etc/sysctl.conf").ends_with("net.ipv4.ip_forward=1\n"));

  Task absent{.host = f.host,
              .module = "sysctl",
              .args = {{"name", "net.core.somaxconn"}, {"state", "absent"}, {"reload", false}}};
  CheckIdempotent(absent);
  CHECK(f.host.Content("/etc/sysctl.conf").find("somaxconn") == std::string::npos);

  Json missing = Task{.host = f.host, .module = "sysctl", .args = {{"name", "vm.x"}}}.Run();
  CHECK(missing["failed"] == true);
}

TEST_CASE("sysctl: sysctl_set writes the running value with sysctl -w") {
  SysctlFixture f;
  f.host.AddFile("/etc/sysctl.d/90-app.conf", "");
  f.host.ClearRecords();
  Task task{.host = f.host,
            .module = "sysctl",
            .args = {{"name", "vm.swappiness"},
                     {"value", "5"},
                     {"sysctl_set", true},
                     {"reload", false},
                     {"sysctl_file", "/etc/sysctl.d/90-app.conf"}}};
  CheckIdempotent(task);
  CHECK(f.kernel["vm.swappiness"] == "5");
  CHECK(f.host.Content("/etc/sysctl.d/90-app.conf") == "vm.swappiness=5\n");
}

}  // namespace
}  // namespace tend
