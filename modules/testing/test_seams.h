#pragma once

// The seams Task (test_support.h) puts in each module's context, and scopes
// that install fakes for one test. Tests only: production code gets its seams
// from the agent through ModuleContext.

#include "modules/framework/module.h"
#include "modules/host/network.h"

namespace tend {

struct Seams {
  Network* network = nullptr;
  DockerConnector docker{};
};

inline Seams& TestSeams() {
  static Seams seams;
  return seams;
}

/// Gives `network` to the modules Task runs, for the lifetime of the object.
class ScopedNetwork {
 public:
  explicit ScopedNetwork(Network& network) : previous_(TestSeams().network) {
    TestSeams().network = &network;
  }
  ~ScopedNetwork() { TestSeams().network = previous_; }
  ScopedNetwork(const ScopedNetwork&) = delete;
  ScopedNetwork& operator=(const ScopedNetwork&) = delete;

 private:
  Network* previous_;
};

/// Gives `docker` to the modules Task runs, for the lifetime of the object.
class ScopedDocker {
 public:
  explicit ScopedDocker(DockerConnector docker) : previous_(std::move(TestSeams().docker)) {
    TestSeams().docker = std::move(docker);
  }
  ~ScopedDocker() { TestSeams().docker = std::move(previous_); }
  ScopedDocker(const ScopedDocker&) = delete;
  ScopedDocker& operator=(const ScopedDocker&) = delete;

 private:
  DockerConnector previous_;
};

}  // namespace tend
