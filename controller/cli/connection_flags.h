#pragma once

// The connection flags `tend play`, `tend run` and `tend facts` share (-u, -k,
// --private-key, -c, -T, --host-key-checking, -b, --become-user,
// --become-method, -K), and the one place they become ConnectionOptions.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "controller/connection/connection_options.h"

namespace tend {

struct ConnectionFlags {
  std::string user;
  bool ask_pass = false;
  int port = 0;  // ansible.cfg remote_port; 0 = ~/.ssh/config, else 22
  std::string private_key;
  std::string type;  // -c: "", "ssh" or "local"
  int timeout = 10;
  std::string host_key_checking = "strict";
  bool become = false;
  std::string become_user = "root";
  std::string become_method = "sudo";
  bool ask_become_pass = false;
};

/// Adds the connection and become flags to `app`, bound to `flags`.
void AddConnectionFlags(CLI::App& app, ConnectionFlags& flags);

/// Reads a password, showing `prompt`.
using PasswordPrompt = std::function<std::string(const std::string& prompt)>;

/// Reads a password with echo off from the terminal (or a line of stdin).
std::string PromptPassword(const std::string& prompt);

/// The options the flags give, asking `prompt` for the passwords -k and -K
/// request; an empty become password falls back to the SSH one, as in Ansible.
ConnectionOptions ConnectionOptionsFromFlags(const ConnectionFlags& flags,
                                             const PasswordPrompt& prompt = PromptPassword);

}  // namespace tend
