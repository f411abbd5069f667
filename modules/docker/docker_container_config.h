#pragma once

// The decision logic of docker_container as pure functions over JSON: the
// module's (validated) arguments, the image's and the container's inspect
// documents in; the create request and the differences out. Unit-tested
// table-driven in docker_test.cc.

#include <string>
#include <vector>

#include "core/error.h"
#include "core/json.h"

namespace tend {

/// One published port: "8080:80", "127.0.0.1:8080:80/tcp", "127.0.0.1::80",
/// "80", "[::1]:8080:80/udp".
struct PortBinding {
  std::string container_port;  // "80/tcp"
  std::string host_ip;         // "" = all addresses
  std::string host_port;       // "" = any free port
};
Expected<PortBinding> ParsePublishedPort(const std::string& spec);

/// "/host:/ctr", "/host:/ctr:ro", "name:/ctr" become binds ("…:rw" when no
/// mode is given); "/ctr" alone is an anonymous volume.
struct VolumeSpec {
  std::string bind;            // normalized "src:dst:mode", empty for anonymous
  std::string anonymous_path;  // the container path of an anonymous volume
};
Expected<VolumeSpec> ParseVolume(const std::string& spec);

/// The environment the arguments ask for, as "KEY=value" strings: the
/// env_file lines (already read) overridden by `env`.
Expected<std::vector<std::string>> DesiredEnv(const Json& args, const std::string& env_file_text);

/// The body of POST /containers/create for these arguments.
Expected<Json> ContainerCreateBody(const Json& args, const std::vector<std::string>& env);

/// A configured option whose value differs from the running container's.
struct Difference {
  std::string parameter;
  Json container;  // what the container has
  Json desired;    // what the arguments ask for
};

/// Compares the arguments with the inspected container (and its image, whose
/// Env and Labels the container inherits), honouring `comparisons`. Options
/// the arguments do not set are not compared, as in community.docker.
Expected<std::vector<Difference>> ContainerDifferences(const Json& args,
                                                       const std::vector<std::string>& env,
                                                       const Json& container, const Json& image);

/// Networks named in `networks` that the container is not connected to.
std::vector<std::string> MissingNetworks(const Json& args, const Json& container);

/// "busybox" → "busybox:latest"; references with a tag or digest unchanged.
std::string NormalizeImageName(const std::string& image);

}  // namespace tend
