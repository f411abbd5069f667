#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

FakeHost TimezoneHost() {
  FakeHost host = MakeHost();
  for (const char* d : {"/usr", "/usr/share", "/usr/share/zoneinfo", "/usr/share/zoneinfo/Etc",
                        "/usr/share/zoneinfo/Europe"}) {
    host.AddDirectory(d);
  }
  host.AddFile("/usr/share/zoneinfo/Etc/UTC", "TZif2 utc");
  host.AddFile("/usr/share/zoneinfo/Europe/Berlin", "TZif2 berlin");
  host.AddDirectory("/etc");
  host.AddFile("/etc/debian_version", "12.5\n");
  host.AddLink("/etc/localtime", "/usr/share/zoneinfo/Etc/UTC");
  host.AddFile("/etc/timezone", "Etc/UTC\n");
  host.ClearRecords();
  return host;
}

TEST_CASE("timezone: links /etc/localtime, writes /etc/timezone, diff, idempotent, check mode") {
  FakeHost host = TimezoneHost();
  Task task{.host = host, .module = "timezone", .args = {{"name", "Europe/Berlin"}}};
  CheckCheckMode(task);
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["diff"] == Json{{"before", {{"name", "Etc/UTC"}}}, {"after", {{"name", "Europe/Berlin"}}}});
  const auto* link = host.Find("/etc/localtime");
  REQUIRE(link);
  CHECK(link->kind == FileKind::kLink);
  CHECK(link->content == "/usr/share/zoneinfo/Europe/Berlin");
  CHECK(host.Content("/etc/timezone") == "Europe/Berlin\n");
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(host.changes().empty());
}

TEST_CASE("timezone: a stale /etc/timezone alone is fixed; unknown zones fail clearly") {
  FakeHost host = TimezoneHost();
  host.AddFile("/etc/timezone", "Europe/Berlin\n");
  host.ClearRecords();
  CheckIdempotent(Task{.host = host, .module = "timezone", .args = {{"name", "Etc/UTC"}}});
  CHECK(host.Content("/etc/timezone") == "Etc/UTC\n");

  for (const char* zone : {"Mars/Olympus", "Europe", "../../etc/passwd"}) {
    Json r = Task{.host = host, .module = "timezone", .args = {{"name", zone}}}.Run();
    CHECK(r["failed"] == true);
    CHECK(r["msg"] == fmt::format("Error message:\ngiven timezone \"{}\" is not available", zone));
  }
  Json none = Task{.host = host, .module = "timezone", .args = Json::object()}.Run();
  CHECK(none["failed"] == true);
}

TEST_CASE("timezone: hwclock (alias rtc) in /etc/adjtime") {
  CHECK(HwclockFromAdjtime("") == "UTC");
  CHECK(HwclockFromAdjtime("0.0 0 0.0\n0\nLOCAL\n") == "local");
  CHECK(AdjtimeWith("", "local") == "0.0 0 0.0\n0\nLOCAL\n");
  CHECK(AdjtimeWith("1.5 2 0.0\n7\nLOCAL\n", "UTC") == "1.5 2 0.0\n7\nUTC\n");
  FakeHost host = TimezoneHost();
  Task task{.host = host, .module = "timezone", .args = {{"rtc", "local"}}};
  CheckIdempotent(task);
  CHECK(host.Content("/etc/adjtime") == "0.0 0 0.0\n0\nLOCAL\n");
}

}  // namespace
}  // namespace tend
