#pragma once

// A fake Docker daemon beside a FakeHost, and the container arguments the
// docker_* tests share (tests only).

#include <doctest/doctest.h>

#include "modules/docker/docker_container_config.h"
#include "modules/host/docker_api.h"
#include "modules/testing/docker_fake.h"
#include "modules/testing/test_support.h"

namespace tend::docker_fixture_test {

struct DockerFixture {
  FakeDockerState docker;
  FakeDockerScope scope{docker};
  FakeHost host = MakeHost();

  Json Run(const std::string& module, Json args, bool check = false, bool diff = false) {
    return Task{.host = host, .module = module, .args = std::move(args), .check = check, .diff = diff}.Run();
  }
  // Runs twice: the first must change, the second must send no changing request.
  Json RunIdempotent(const std::string& module, const Json& args) {
    Json first = Run(module, args);
    REQUIRE_MESSAGE(first["failed"] != true, first.dump());
    CHECK(first["changed"] == true);
    docker.changes.clear();
    Json second = Run(module, args);
    CHECK_MESSAGE(second["changed"] == false, second.dump());
    CHECK(docker.changes.empty());
    return second;
  }
};

inline Json WebArgs() {
  return {{"name", "web"},
          {"image", "tend-test:1"},
          {"command", "/bin/httpd -f -p 80 -h /www"},
          {"published_ports", {"127.0.0.1:18080:80"}},
          {"restart_policy", "unless-stopped"},
          {"env", {{"MODE", "a"}}},
          {"labels", {{"tier", "web"}}},
          {"volumes", {"/srv:/www:ro"}}};
}

}  // namespace tend::docker_fixture_test
