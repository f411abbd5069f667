#include <doctest/doctest.h>

#include "modules/docker/docker_container_config.h"
#include "modules/host/docker_api.h"
#include "modules/testing/docker_fake.h"
#include "modules/testing/docker_fixture.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace docker_fixture_test;

TEST_CASE("ParsePublishedPort reads Docker's port syntax") {
  struct Case {
    std::string spec, container, ip, port;
  };
  for (const auto& c : std::vector<Case>{{"8080:80", "80/tcp", "", "8080"},
                                         {"127.0.0.1:8080:80/tcp", "80/tcp", "127.0.0.1", "8080"},
                                         {"127.0.0.1::53/udp", "53/udp", "127.0.0.1", ""},
                                         {"80", "80/tcp", "", ""},
                                         {"[::1]:8080:80", "80/tcp", "::1", "8080"}}) {
    auto parsed = ParsePublishedPort(c.spec);
    REQUIRE_MESSAGE(parsed, c.spec);
    CHECK_MESSAGE(parsed->container_port == c.container, c.spec);
    CHECK_MESSAGE(parsed->host_ip == c.ip, c.spec);
    CHECK_MESSAGE(parsed->host_port == c.port, c.spec);
  }
  CHECK(ParsePublishedPort("8000-8010:80").error().message ==
        "Invalid published port '8000-8010:80': ports must be numbers (port ranges are not supported)");
  CHECK(!ParsePublishedPort("1:2:3:4"));
  CHECK(!ParsePublishedPort("80/icmp"));
}

TEST_CASE("ParseVolume normalizes binds") {
  CHECK(ParseVolume("/srv:/www")->bind == "/srv:/www:rw");
  CHECK(ParseVolume("/srv:/www:ro")->bind == "/srv:/www:ro");
  CHECK(ParseVolume("data:/var/lib/x")->bind == "data:/var/lib/x:rw");
  CHECK(ParseVolume("/cache")->anonymous_path == "/cache");
  CHECK(!ParseVolume("relative"));
  CHECK(!ParseVolume("/a:b"));
}

TEST_CASE("DesiredEnv merges env_file and env, env winning") {
  auto env = DesiredEnv({{"env", {{"B", "2"}, {"N", 5}}}}, "# comment\nA=1\nB=file\n\n");
  REQUIRE(env);
  CHECK(*env == std::vector<std::string>{"A=1", "B=2", "N=5"});
  CHECK(DesiredEnv({{"env", {{"FLAG", true}}}}, "").error().message.starts_with("Non-string value"));
  CHECK(DesiredEnv(Json::object(), "junk\n").error().message == "env_file: line 'junk' is not KEY=value");
}

TEST_CASE("ContainerDifferences compares only what the arguments set") {
  FakeDockerState state;
  AddFakeImage(state, "tend-test:1");
  FakeDockerDaemon daemon(state);
  Json args = WebArgs();
  args["image"] = "tend-test:1";
  auto env = DesiredEnv(args, "");
  auto body = ContainerCreateBody(args, *env);
  REQUIRE(body);
  REQUIRE(daemon.Send({.method = "POST", .target = "/containers/create?name=web", .body = body->dump()})->status == 201);
  const Json& container = state.containers["web"];
  const Json& image = state.images["tend-test:1"];
  auto differences = [&](Json changed) {
    auto e = DesiredEnv(changed, "");
    std::vector<std::string> names;
    auto found = ContainerDifferences(changed, *e, container, image);
    REQUIRE(found);
    for (const auto& d : *found) names.push_back(d.parameter);
    return names;
  };
  CHECK(differences(args).empty());
  Json only_name{{"name", "web"}};
  CHECK(differences(only_name).empty());
  Json changed = args;
  changed["env"]["MODE"] = "b";
  CHECK(differences(changed) == std::vector<std::string>{"env"});
  changed = args;
  changed["restart_policy"] = "always";
  changed["command"] = Json::array({"/bin/httpd", "-f"});
  CHECK(differences(changed) == std::vector<std::string>{"command", "restart_policy"});
  changed = args;
  changed["published_ports"] = {"127.0.0.1:18081:80"};
  changed["volumes"] = {"/srv:/www"};
  CHECK(differences(changed) == std::vector<std::string>{"published_ports", "volumes"});
  SUBCASE("env and labels allow more by default; strict and ignore override") {
    Json fewer = args;
    fewer["env"] = Json::object();
    fewer["labels"] = Json::object();
    CHECK(differences(fewer).empty());
    fewer["comparisons"] = {{"env", "strict"}, {"labels", "strict"}};
    CHECK(differences(fewer) == std::vector<std::string>{"env", "labels"});
    fewer["comparisons"] = {{"*", "ignore"}};
    fewer["env"] = {{"MODE", "c"}};
    CHECK(differences(fewer).empty());
  }
  SUBCASE("a different image id is a difference") {
    AddFakeImage(state, "tend-test:1", {{"Env", Json::array()}, {"Cmd", {"sh"}}});
    CHECK(differences(args) == std::vector<std::string>{"image"});
  }
}

}  // namespace
}  // namespace tend
