#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/json.h"
#include "modules/host/host.h"
#include "modules/framework/spec.h"

namespace tend {

class Network;
class DockerTransport;

/// Opens a connection to the Docker daemon listening on a UNIX socket.
using DockerConnector = std::function<std::unique_ptr<DockerTransport>(
    const std::string& socket_path, const std::string& api_version, int timeout_seconds)>;

/// What a module sees when it runs: validated arguments, the task's check and
/// diff flags, the machine, a way to fetch content the controller holds, and
/// the other seams it may reach (network, Docker daemon). The agent sets the
/// real ones; tests set fakes. Nothing a module reaches is global.
struct ModuleContext {
  Json args = Json::object();
  bool check = false;
  bool diff = false;
  Host* host = nullptr;
  /// Asks the controller for the content announced by the `_content`
  /// argument (protocol need_content flow). Unset when no controller is
  /// attached (tests install one; `tend-agent run` has none).
  std::function<ContentSource()> fetch_content{};
  /// TCP and sleeping for wait_for, uri and get_url. Unset: those modules fail.
  Network* network = nullptr;
  /// The Docker daemon for the docker_* modules. Unset: they fail.
  DockerConnector docker{};

  Host& Machine() const { return *host; }
  /// The network, or an error naming the module's missing seam.
  Expected<Network*> Net() const;
  /// Argument accessors; arguments were validated, so types are right.
  std::string Str(const char* name, std::string fallback = "") const;
  bool Bool(const char* name, bool fallback = false) const;
  int64_t Int(const char* name, int64_t fallback = 0) const;
  bool Has(const char* name) const;
};

/// A module: its spec and its implementation. Run returns the result object
/// (changed, failed, msg and the module's fields); an Error becomes a failed
/// result with that message. Modules inspect first and only apply when
/// `check` is false.
struct Module {
  const ModuleSpec& (*spec)();
  Expected<Json> (*run)(ModuleContext& context);
};

/// A failed result with `msg`, plus any extra fields.
Json FailedResult(std::string msg, Json extra = Json::object());

/// Runs a module with error containment: argument validation, an Error or a
/// C++ exception from the module all become a failed result.
Json RunModule(const Module& module, ModuleContext& context);

}  // namespace tend
