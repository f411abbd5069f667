#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modules/framework/text.h"
#include "modules/packages/apt_common.h"
#include "modules/testing/fake_apt.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_apt_test;

TEST_CASE("apt_repository: adds a line to a file named after the URL; idempotent; absent") {
  FakeHost host = AptHost();
  host.AddFile("/etc/apt/sources.list", "deb http://mirror.example/debian bookworm main\n");
  host.AddDirectory("/etc/apt/sources.list.d");
  host.ClearRecords();
  std::string repo =
      "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc]  https://download.docker.com/linux/debian "
      "bookworm stable";
  Task add{host, "apt_repository", {{"repo", repo}}};
  CheckCheckMode(add);
  CHECK(host.commands().empty());
  add.diff = true;
  Json first = add.Run();
  REQUIRE_MESSAGE(first["failed"] != true, first.dump());
  CHECK(first["changed"] == true);
  std::string file = "/etc/apt/sources.list.d/download_docker_com_linux_debian.list";
  CHECK(host.Content(file) ==
        "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian "
        "bookworm stable\n");
  CHECK(host.Find(file)->mode == 0644);
  CHECK(first["sources_added"] == Json::array({file}));
  CHECK(first["diff"][0]["after_header"] == file);
  CHECK(host.commands() == std::vector<std::string>{"apt-get update -q"});
  host.ClearRecords();
  Json second = add.Run();
  CHECK(second["changed"] == false);
  CHECK(host.commands().empty());
  // A line already in sources.list counts, whatever file it is in.
  CHECK(Task{host, "apt_repository", {{"repo", "deb http://mirror.example/debian  bookworm main"}}}
            .Run()["changed"] == false);
  Task remove{host, "apt_repository", {{"repo", repo}, {"state", "absent"}, {"update_cache", false}}};
  Json removed = remove.Run();
  CHECK(removed["changed"] == true);
  CHECK(host.Find(file) == nullptr);
  CHECK(remove.Run()["changed"] == false);
}

TEST_CASE("apt_repository: filename and mode; a disabled line is enabled again") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/sources.list.d");
  host.AddFile("/etc/apt/sources.list", "# deb http://example.org/debian bookworm main\n# a comment\n");
  Json named = Task{host,
                    "apt_repository",
                    {{"repo", "deb http://mirror.local/debian bookworm main"},
                     {"filename", "local"},
                     {"mode", "0600"},
                     {"update_cache", false}}}
                   .Run();
  CHECK(named["changed"] == true);
  CHECK(host.Find("/etc/apt/sources.list.d/local.list")->mode == 0600);
  Json enabled = Task{host,
                      "apt_repository",
                      {{"repo", "deb http://example.org/debian bookworm main"}, {"update_cache", false}}}
                     .Run();
  CHECK(enabled["changed"] == true);
  CHECK(host.Content("/etc/apt/sources.list") ==
        "deb http://example.org/debian bookworm main\n# a comment\n");
}

}  // namespace
}  // namespace tend
