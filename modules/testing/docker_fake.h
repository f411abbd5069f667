#pragma once

// An in-memory Docker daemon behind the DockerTransport seam, for unit tests
// of the docker_* modules: it answers the Engine API routes the modules use
// with inspect documents shaped like dockerd's, and records every request
// that changes something.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "modules/host/docker_api.h"
#include "modules/testing/test_seams.h"

namespace tend {

struct FakeDockerState {
  std::map<std::string, Json> images;      // "repo:tag" → inspect
  std::map<std::string, Json> containers;  // name → inspect
  std::map<std::string, Json> networks;    // name → inspect
  std::map<std::string, Json> volumes;     // name → inspect
  /// Tarball content → the "repo:tag" and image config it loads.
  std::map<std::string, std::pair<std::string, Json>> tarballs;
  /// Images a pull can fetch: "repo:tag" → image config.
  std::map<std::string, Json> registry;
  /// "METHOD /path" of each request that changed state.
  std::vector<std::string> changes;
  int next_id = 1;
};

class FakeDockerDaemon : public DockerTransport {
 public:
  explicit FakeDockerDaemon(FakeDockerState& state) : state_(state) {}
  Expected<DockerResponse> Send(const DockerRequest& request) override;

 private:
  DockerResponse Images(const std::string& method, const std::vector<std::string>& path,
                      const std::map<std::string, std::string>& query, const std::string& body);
  DockerResponse Containers(const std::string& method, const std::vector<std::string>& path,
                          const std::map<std::string, std::string>& query, const Json& body);
  DockerResponse Networks(const std::string& method, const std::vector<std::string>& path,
                        const Json& body);
  DockerResponse Volumes(const std::string& method, const std::vector<std::string>& path,
                       const Json& body);
  Json* FindContainer(const std::string& name_or_id);
  Json* FindImage(const std::string& reference);
  std::string NewId();

  FakeDockerState& state_;
};

/// Adds an image as `docker import` makes one (Env with PATH, no labels).
void AddFakeImage(FakeDockerState& state, const std::string& reference, Json config = nullptr);

/// A connector to the fake daemon over `state`, for ModuleContext::docker.
DockerConnector FakeDockerConnector(FakeDockerState& state);

/// Routes the docker_* modules that Task runs to `state` until destroyed.
class FakeDockerScope {
 public:
  explicit FakeDockerScope(FakeDockerState& state);
  FakeDockerScope(const FakeDockerScope&) = delete;
  FakeDockerScope& operator=(const FakeDockerScope&) = delete;

 private:
  ScopedDocker scope_;
};

}  // namespace tend
