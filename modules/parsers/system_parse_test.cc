#include <doctest/doctest.h>
#include <fmt/format.h>

#include "modules/framework/text.h"
#include "modules/parsers/system_parse.h"
#include "modules/testing/ssh_keys.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace ssh_keys_test;

TEST_CASE("ParseSystemctlShow: key=value lines, multi-line Exec values, '=' in values") {
  Json status = ParseSystemctlShow(
      "Type=simple\n"
      "ExecStart={ path=/usr/bin/sleep ; argv[]=/usr/bin/sleep infinity ; ignore_errors=no }\n"
      "ExecReload={ path=/bin/kill ; argv[]=/bin/kill -HUP $MAINPID\n"
      "  ; ignore_errors=no }\n"
      "Environment=A=1 B=2\n"
      "ActiveState=active\n"
      "not a property line\n"
      "FragmentPath=/etc/systemd/system/demo.service\n");
  CHECK(status["Type"] == "simple");
  CHECK(status["ExecStart"] ==
        "{ path=/usr/bin/sleep ; argv[]=/usr/bin/sleep infinity ; ignore_errors=no }");
  CHECK(status["ExecReload"] ==
        "{ path=/bin/kill ; argv[]=/bin/kill -HUP $MAINPID\n  ; ignore_errors=no }");
  CHECK(status["Environment"] == "A=1 B=2");
  CHECK(status["ActiveState"] == "active");
  CHECK(status["FragmentPath"] == "/etc/systemd/system/demo.service");
  CHECK(status.size() == 6);
}

TEST_CASE("ServiceAction: desired state x ActiveState -> systemctl verb") {
  struct Case {
    const char* desired;
    const char* active;
    std::optional<std::string> action;
  };
  const Case cases[] = {
      {"started", "active", std::nullopt},     {"started", "activating", std::nullopt},
      {"started", "inactive", "start"},        {"started", "failed", "start"},
      {"stopped", "active", "stop"},           {"stopped", "deactivating", "stop"},
      {"stopped", "inactive", std::nullopt},   {"stopped", "failed", std::nullopt},
      {"restarted", "active", "restart"},      {"restarted", "inactive", "start"},
      {"reloaded", "active", "reload"},        {"reloaded", "inactive", "start"},
  };
  for (const auto& c : cases) {
    INFO(c.desired, " from ", c.active);
    CHECK(ServiceAction(c.desired, c.active) == c.action);
  }
}

TEST_CASE("IsEnabledOutput reads is-enabled like Ansible") {
  CHECK(IsEnabledOutput(0, "enabled\n"));
  CHECK(IsEnabledOutput(0, "static\n"));
  CHECK_FALSE(IsEnabledOutput(0, "indirect\n"));
  CHECK_FALSE(IsEnabledOutput(0, "alias\n"));
  CHECK_FALSE(IsEnabledOutput(1, "disabled\n"));
  CHECK_FALSE(IsEnabledOutput(1, "masked\n"));
}

TEST_CASE("ParseAuthorizedKey: options, type, key, comment; non-key lines") {
  auto k = ParseAuthorizedKey(
      R"(no-pty,command="echo a,b",from="10.0.0.1" ssh-ed25519 AAAAkey some comment here)", 3);
  REQUIRE(k);
  CHECK(k->type == "ssh-ed25519");
  CHECK(k->key == "AAAAkey");
  CHECK(k->comment == "some comment here");
  CHECK(k->rank == 3);
  using Options = std::vector<std::pair<std::string, std::optional<std::string>>>;
  CHECK(k->options == Options{{"no-pty", std::nullopt},
                              {"command", "\"echo a,b\""},
                              {"from", "\"10.0.0.1\""}});
  CHECK(ParseAuthorizedKey("ssh-rsa AAAA", 0)->comment == "");
  CHECK_FALSE(ParseAuthorizedKey("not a key", 0));
  CHECK_FALSE(ParseAuthorizedKey("ssh-rsa", 0));
  auto comment = ParseAuthorizedKey("# ssh-rsa AAAA old\n", 0);
  REQUIRE(comment);
  CHECK_FALSE(comment->IsKey());
  CHECK(ParseAuthorizedKey(R"(ssh-rsa AAAA a\#b)", 0)->comment == "a#b");
}

TEST_CASE("MergeAuthorizedKeys: append, keep, replace options, absent, exclusive") {
  std::string existing = std::string("# managed\n") + kKeyA + "\n";
  auto added = MergeAuthorizedKeys(existing, {.keys_text = kKeyB}, nullptr);
  REQUIRE(added);
  CHECK(added->changed);
  CHECK(added->content == existing + kKeyB + "\n");

  auto again = MergeAuthorizedKeys(added->content, {.keys_text = kKeyB}, nullptr);
  CHECK_FALSE(again->changed);
  CHECK(again->content == added->content);

  auto opts = MergeAuthorizedKeys(added->content,
                                  {.keys_text = kKeyA, .key_options = "no-pty,from=\"10.*\""},
                                  nullptr);
  CHECK(opts->content == std::string("# managed\n") + kKeyB + "\nno-pty,from=\"10.*\" " + kKeyA +
                             "\n");

  auto removed = MergeAuthorizedKeys(added->content, {.keys_text = kKeyA, .present = false}, nullptr);
  CHECK(removed->content == std::string("# managed\n") + kKeyB + "\n");
  CHECK_FALSE(MergeAuthorizedKeys(removed->content, {.keys_text = kKeyA, .present = false}, nullptr)
                  ->changed);

  // Exclusive drops every other line, comments included, and keeps the given order.
  std::string both = std::string(kKeyB) + "\n# a note\n" + kKeyA + "\n";
  auto exclusive = MergeAuthorizedKeys(both, {.keys_text = kKeyA, .exclusive = true}, nullptr);
  CHECK(exclusive->content == std::string(kKeyA) + "\n");
  CHECK_FALSE(MergeAuthorizedKeys(exclusive->content, {.keys_text = kKeyA, .exclusive = true}, nullptr)
                  ->changed);

  std::string invalid;
  CHECK_FALSE(MergeAuthorizedKeys("", {.keys_text = "garbage"}, &invalid));
  CHECK(invalid == "garbage");
}

}  // namespace
}  // namespace tend
