#pragma once

// What a HostSession is asked to run: one module invocation, with the file
// content it carries.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "controller/connection/connection_options.h"
#include "core/hash.h"
#include "core/json.h"

namespace tend {

/// Bytes a module call carries (copy's local file, a rendered template),
/// hashed once. Copies share the bytes: the same 256 MiB file going to every
/// host of a play is held and hashed once, not once per host.
class Content {
 public:
  explicit Content(std::string text)
      : text_(std::make_shared<const std::string>(std::move(text))), sha1_(Sha1Hex(*text_)) {}
  const std::string& text() const { return *text_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::shared_ptr<const std::string> text_;
  std::string sha1_;
};

/// The task keyword `timeout:` (seconds) for the calls of one task on one host:
/// past `at`, the call fails with Ansible's message and the agent stops the
/// module's command.
struct CallDeadline {
  std::chrono::steady_clock::time_point at;
  int seconds = 0;
  std::string action;  // the task's action, for the message
};

/// "The command action failed to execute in the expected time frame (2) and was terminated".
std::string TimedOutMessage(const CallDeadline& deadline);

/// One module invocation on a host.
struct ModuleCall {
  std::string module;  // short name ("command"); FQCNs are resolved by the caller
  Json args = Json::object();
  bool check = false;
  bool diff = false;
  std::optional<bool> become;  // unset = the target's default
  std::optional<std::string> become_user;
  /// The task's become_method, become_flags and become_exe, over the target's.
  std::optional<BecomeMethod> become_method;
  std::optional<std::string> become_flags;
  std::optional<std::string> become_exe;
  /// `async: N`: start the module as a job of at most N seconds (0 = run it now).
  int64_t async_seconds = 0;
  /// File content the module asks for (copy/template); streamed as data frames.
  std::optional<Content> content;
  std::optional<CallDeadline> deadline;
};

}  // namespace tend
