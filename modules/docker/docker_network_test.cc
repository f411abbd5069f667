#include <doctest/doctest.h>

#include "modules/docker/docker_container_config.h"
#include "modules/host/docker_api.h"
#include "modules/testing/docker_fake.h"
#include "modules/testing/docker_fixture.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace docker_fixture_test;

TEST_CASE("docker_network and docker_volume present/absent") {
  DockerFixture f;
  Json net{{"name", "tendnet"}, {"ipam_config", {{{"subnet", "172.30.5.0/24"}, {"gateway", "172.30.5.1"}}}}};
  CHECK(f.Run("docker_network", net, true)["actions"] ==
        Json::array({"Created network tendnet with driver bridge"}));
  CHECK(f.docker.networks.empty());
  Json made = f.RunIdempotent("docker_network", net);
  CHECK(made["network"]["IPAM"]["Config"][0]["Subnet"] == "172.30.5.0/24");
  net["ipam_config"][0]["subnet"] = "172.30.6.0/24";
  net["ipam_config"][0]["gateway"] = "172.30.6.1";
  Json changed = f.Run("docker_network", net, false, true);
  CHECK(changed["diff"]["differences"] == Json::array({"ipam_config"}));
  CHECK(f.docker.networks["tendnet"]["IPAM"]["Config"][0]["Subnet"] == "172.30.6.0/24");
  f.RunIdempotent("docker_network", {{"name", "tendnet"}, {"state", "absent"}});
  CHECK(f.docker.networks.empty());

  Json vol{{"name", "tendvol"}, {"labels", {{"app", "x"}}}};
  CHECK(f.Run("docker_volume", vol, true)["changed"] == true);
  CHECK(f.RunIdempotent("docker_volume", vol)["volume"]["Labels"]["app"] == "x");
  vol["labels"]["app"] = "y";
  CHECK(f.Run("docker_volume", vol)["changed"] == false);  // recreate defaults to never
  vol["recreate"] = "options-changed";
  CHECK(f.Run("docker_volume", vol)["volume"]["Labels"]["app"] == "y");
  f.RunIdempotent("docker_volume", {{"volume_name", "tendvol"}, {"state", "absent"}});
  CHECK(f.docker.volumes.empty());
}

}  // namespace
}  // namespace tend
