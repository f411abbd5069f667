#include "controller/cli/connection_flags.h"

#include <fmt/format.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace tend {

void AddConnectionFlags(CLI::App& app, ConnectionFlags& f) {
  app.add_option("-u,--user", f.user, "Connect as this user");
  app.add_flag("-k,--ask-pass", f.ask_pass, "Ask for the SSH password");
  app.add_option("--private-key,--key-file", f.private_key, "Private key file");
  app.add_option("-c,--connection", f.type, "Connection type")
      ->check(CLI::IsMember({"ssh", "local"}));
  app.add_option("-T,--timeout", f.timeout, "Connect and authentication timeout in seconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--host-key-checking", f.host_key_checking, "strict, accept-new or off")
      ->check(CLI::IsMember({"strict", "accept-new", "off"}));
  app.add_flag("-b,--become", f.become, "Run operations with become (sudo or su)");
  app.add_option("--become-user", f.become_user, "User to become");
  app.add_option("--become-method", f.become_method, "sudo or su")
      ->check(CLI::IsMember({"sudo", "su"}));
  app.add_flag("-K,--ask-become-pass", f.ask_become_pass, "Ask for the become password");
}

std::string PromptPassword(const std::string& prompt) {
  std::string line;
  if (isatty(STDIN_FILENO)) {
    fmt::print(stderr, "{}", prompt);
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fmt::print(stderr, "\n");
  } else {
    std::getline(std::cin, line);
  }
  return line;
}

ConnectionOptions ConnectionOptionsFromFlags(const ConnectionFlags& f,
                                             const PasswordPrompt& prompt) {
  ConnectionOptions options;
  options.user = f.user;
  options.port = f.port;
  options.private_key = f.private_key;
  if (!f.type.empty()) {
    options.connection = f.type == "local" ? ConnectionType::kLocal : ConnectionType::kSsh;
  }
  options.timeout_seconds = f.timeout;
  options.host_key_checking = f.host_key_checking == "off"          ? HostKeyChecking::kOff
                              : f.host_key_checking == "accept-new" ? HostKeyChecking::kAcceptNew
                                                                    : HostKeyChecking::kStrict;
  options.become.enabled = f.become;
  options.become.user = f.become_user;
  options.become.method = f.become_method == "su" ? BecomeMethod::kSu : BecomeMethod::kSudo;
  if (f.ask_pass) options.password = prompt("SSH password: ");
  if (f.ask_become_pass) {
    std::string pw =
        prompt(f.ask_pass ? "BECOME password[defaults to SSH password]: " : "BECOME password: ");
    options.become.password = pw.empty() && options.password ? *options.password : pw;
  }
  return options;
}

}  // namespace tend
