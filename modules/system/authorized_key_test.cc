#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/ssh_keys.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace ssh_keys_test;

TEST_CASE("authorized_key: creates ~/.ssh 0700 and the file 0600, owned by the user; idempotent") {
  FakeHost host = MakeHost();
  Task task{.host = host,
            .module = "authorized_key",
            .args = {{"user", "app"}, {"key", std::string(kKeyA) + "\n# skip\n\n" + kKeyB}},
            .diff = true};
  CheckCheckMode(task);
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["keyfile"] == "/srv/.ssh/authorized_keys");
  CHECK(first["diff"]["before"] == "");
  CHECK(first["diff"]["after"] == std::string(kKeyA) + "\n" + kKeyB + "\n");
  const auto* dir = host.Find("/srv/.ssh");
  REQUIRE(dir);
  CHECK(dir->kind == FileKind::kDirectory);
  CHECK(dir->mode == 0700);
  CHECK(dir->uid == 1001);
  const auto* file = host.Find("/srv/.ssh/authorized_keys");
  REQUIRE(file);
  CHECK(file->mode == 0600);
  CHECK(file->uid == 1001);
  CHECK(file->gid == 1001);
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(host.changes().empty());
}

TEST_CASE("authorized_key: path, comment, absent, unknown user, bad key") {
  FakeHost host = MakeHost();
  host.AddDirectory("/etc/ssh");
  host.AddDirectory("/etc/ssh/keys");
  CheckIdempotent(Task{.host = host,
                       .module = "authorized_key",
                       .args = {{"user", "app"},
                                {"key", kKeyA},
                                {"path", "/etc/ssh/keys/app"},
                                {"manage_dir", false},
                                {"comment", "deploy"}}});
  CHECK(host.Content("/etc/ssh/keys/app") ==
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaa deploy\n");
  CheckIdempotent(Task{.host = host,
                       .module = "authorized_key",
                       .args = {{"user", "app"},
                                {"key", kKeyA},
                                {"path", "/etc/ssh/keys/app"},
                                {"state", "absent"}}});
  CHECK(host.Content("/etc/ssh/keys/app") == "");

  Json nouser = Task{.host = host, .module = "authorized_key", .args = {{"user", "ghost"}, {"key", kKeyA}}}.Run();
  CHECK(nouser["msg"] == "Failed to lookup user ghost: 'getpwnam(): name not found: ghost'");
  Json bad = Task{.host = host, .module = "authorized_key", .args = {{"user", "app"}, {"key", "ssh-foo AAAA"}}}.Run();
  CHECK(bad["msg"] == "invalid key specified: ssh-foo AAAA");
}

}  // namespace
}  // namespace tend
