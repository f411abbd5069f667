#include "controller/cli/connection_flags.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tend {
namespace {

// Parses `args` as a subcommand carrying the connection flags.
ConnectionFlags Parse(std::vector<std::string> args) {
  CLI::App app;
  ConnectionFlags flags;
  AddConnectionFlags(app, flags);
  std::reverse(args.begin(), args.end());  // CLI11 takes them last-first
  app.parse(args);
  return flags;
}

// A prompt that answers from a script and records what it was asked.
struct ScriptedPrompt {
  std::vector<std::string> answers;
  std::vector<std::string> asked;
  PasswordPrompt Fn() {
    return [this](const std::string& prompt) {
      asked.push_back(prompt);
      std::string answer = answers.front();
      answers.erase(answers.begin());
      return answer;
    };
  }
};

}  // namespace

TEST_CASE("connection flags: defaults are ssh-config user, strict keys, no become") {
  ScriptedPrompt prompt;
  ConnectionOptions o = ConnectionOptionsFromFlags(Parse({}), prompt.Fn());
  CHECK(o.user.empty());
  CHECK(o.private_key.empty());
  CHECK_FALSE(o.password.has_value());
  CHECK_FALSE(o.connection.has_value());
  CHECK(o.host_key_checking == HostKeyChecking::kStrict);
  CHECK(o.timeout_seconds == 10);
  CHECK_FALSE(o.become.enabled);
  CHECK(o.become.user == "root");
  CHECK(o.become.method == BecomeMethod::kSudo);
  CHECK_FALSE(o.become.password.has_value());
  CHECK(prompt.asked.empty());
}

TEST_CASE("connection flags: each flag reaches its option") {
  struct Case {
    std::vector<std::string> args;
    void (*check)(const ConnectionOptions&);
  };
  Case cases[] = {
      {{"-u", "deploy"}, [](const ConnectionOptions& o) { CHECK(o.user == "deploy"); }},
      {{"--private-key", "/k"}, [](const ConnectionOptions& o) { CHECK(o.private_key == "/k"); }},
      {{"--key-file", "/k2"}, [](const ConnectionOptions& o) { CHECK(o.private_key == "/k2"); }},
      {{"-c", "local"},
       [](const ConnectionOptions& o) { CHECK(o.connection == ConnectionType::kLocal); }},
      {{"-c", "ssh"},
       [](const ConnectionOptions& o) { CHECK(o.connection == ConnectionType::kSsh); }},
      {{"-T", "3"}, [](const ConnectionOptions& o) { CHECK(o.timeout_seconds == 3); }},
      {{"--host-key-checking", "accept-new"},
       [](const ConnectionOptions& o) {
         CHECK(o.host_key_checking == HostKeyChecking::kAcceptNew);
       }},
      {{"--host-key-checking", "off"},
       [](const ConnectionOptions& o) { CHECK(o.host_key_checking == HostKeyChecking::kOff); }},
      {{"-b"}, [](const ConnectionOptions& o) { CHECK(o.become.enabled); }},
      {{"--become-user", "postgres"},
       [](const ConnectionOptions& o) { CHECK(o.become.user == "postgres"); }},
      {{"--become-method", "su"},
       [](const ConnectionOptions& o) { CHECK(o.become.method == BecomeMethod::kSu); }},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args.front());
    ScriptedPrompt prompt;
    c.check(ConnectionOptionsFromFlags(Parse(c.args), prompt.Fn()));
  }
}

TEST_CASE("connection flags: -k and -K prompt; an empty become password is the SSH one") {
  ScriptedPrompt both{{"ssh-pw", ""}, {}};
  auto o = ConnectionOptionsFromFlags(Parse({"-k", "-K"}), both.Fn());
  CHECK(both.asked ==
        std::vector<std::string>{"SSH password: ", "BECOME password[defaults to SSH password]: "});
  CHECK(o.password == "ssh-pw");
  CHECK(o.become.password == "ssh-pw");

  ScriptedPrompt become_only{{"sudo-pw"}, {}};
  o = ConnectionOptionsFromFlags(Parse({"-K"}), become_only.Fn());
  CHECK(become_only.asked == std::vector<std::string>{"BECOME password: "});
  CHECK_FALSE(o.password.has_value());
  CHECK(o.become.password == "sudo-pw");
}

// `tend play -T 0` used to pass (only `tend run` checked); both share these flags now.
TEST_CASE("connection flags: bad values are rejected while parsing") {
  for (std::vector<std::string> bad : {std::vector<std::string>{"-T", "0"},
                                       {"-c", "winrm"},
                                       {"--host-key-checking", "maybe"},
                                       {"--become-method", "doas"}}) {
    CAPTURE(bad.front());
    CHECK_THROWS_AS(Parse(bad), CLI::ValidationError);
  }
}

}  // namespace tend
