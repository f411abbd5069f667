#include <doctest/doctest.h>

#include "modules/docker/docker_container_config.h"
#include "modules/host/docker_api.h"
#include "modules/testing/docker_fake.h"
#include "modules/testing/docker_fixture.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace docker_fixture_test;

TEST_CASE("docker_container: create, start, idempotent, recreate on change") {
  DockerFixture f;
  AddFakeImage(f.docker, "tend-test:1");
  Json args = WebArgs();
  Json check = f.Run("docker_container", args, true);
  CHECK(check["changed"] == true);
  CHECK(check["actions"] == Json::parse(R"([{"created":"Created container"},{"started":""}])"));
  CHECK(f.docker.changes.empty());
  Json second = f.RunIdempotent("docker_container", args);
  const Json& c = second["container"];
  CHECK(c["State"]["Running"] == true);
  CHECK(c["HostConfig"]["RestartPolicy"]["Name"] == "unless-stopped");
  CHECK(c["HostConfig"]["PortBindings"]["80/tcp"][0]["HostPort"] == "18080");
  CHECK(c["Config"]["Cmd"] == Json::array({"/bin/httpd", "-f", "-p", "80", "-h", "/www"}));
  std::string first_id = c["Id"];

  SUBCASE("a changed env recreates, with diff") {
    args["env"]["MODE"] = "b";
    Json checked = f.Run("docker_container", args, true, true);
    CHECK(checked["changed"] == true);
    CHECK(checked["diff"]["after"]["env"] == Json::array({"MODE=b"}));
    CHECK(f.docker.changes.empty());
    Json changed = f.Run("docker_container", args);
    CHECK(changed["changed"] == true);
    CHECK(changed["container"]["Id"] != first_id);
    CHECK(f.docker.changes == std::vector<std::string>{"POST /containers/" + first_id + "/stop",
                                                       "DELETE /containers/" + first_id,
                                                       "POST /containers/create",
                                                       "POST /containers/" + changed["container"]["Id"].get<std::string>() + "/start"});
  }
  SUBCASE("restart restarts; recreate recreates") {
    args["restart"] = true;
    CHECK(f.Run("docker_container", args)["changed"] == true);
    CHECK(f.docker.changes == std::vector<std::string>{"POST /containers/" + first_id + "/restart"});
    args["restart"] = false;
    args["recreate"] = true;
    CHECK(f.Run("docker_container", args)["container"]["Id"] != first_id);
  }
  SUBCASE("stopped, then absent") {
    Json stopped{{"name", "web"}, {"state", "stopped"}};
    CHECK(f.RunIdempotent("docker_container", stopped)["container"]["State"]["Running"] == false);
    Json absent{{"name", "web"}, {"state", "absent"}};
    CHECK(f.Run("docker_container", absent, true)["changed"] == true);
    CHECK(f.docker.containers.contains("web"));
    f.RunIdempotent("docker_container", absent);
    CHECK(f.docker.containers.empty());
  }
}

TEST_CASE("docker_container networks, missing image and detach=false") {
  DockerFixture f;
  AddFakeImage(f.docker, "tend-test:1");
  f.docker.networks["front"] = {{"Name", "front"}, {"Id", "n1"}, {"Containers", Json::object()}};
  f.docker.networks["back"] = {{"Name", "back"}, {"Id", "n2"}, {"Containers", Json::object()}};
  Json args{{"name", "app"}, {"image", "tend-test:1"}, {"networks", {{{"name", "front"}}, {{"name", "back"}}}}};
  Json done = f.RunIdempotent("docker_container", args);
  CHECK(done["container"]["HostConfig"]["NetworkMode"] == "front");
  CHECK(done["container"]["NetworkSettings"]["Networks"].contains("back"));
  f.docker.networks["extra"] = {{"Name", "extra"}, {"Id", "n3"}, {"Containers", Json::object()}};
  args["networks"].push_back({{"name", "extra"}});
  Json connected = f.Run("docker_container", args);
  CHECK(connected["changed"] == true);
  CHECK(f.docker.changes == std::vector<std::string>{"POST /networks/extra/connect"});

  Json missing = f.Run("docker_container", {{"name", "x"}, {"image", "nosuch"}});
  CHECK(missing["msg"].get<std::string>().starts_with("Error pulling image nosuch:latest"));
  Json never = f.Run("docker_container", {{"name", "x"}, {"image", "nosuch"}, {"pull", "never"}});
  CHECK(never["msg"] == "Cannot find image nosuch:latest locally (pull=never)");
  f.docker.registry["fresh:latest"] = Json{{"Env", Json::array()}};
  f.docker.changes.clear();
  Json pulled = f.Run("docker_container", {{"name", "p"}, {"image", "fresh"}, {"pull", true}, {"state", "present"}});
  CHECK(pulled["changed"] == true);
  CHECK(pulled["container"]["State"]["Running"] == false);
  CHECK(f.docker.changes == std::vector<std::string>{"POST /images/create", "POST /containers/create"});
  Json no_image = f.Run("docker_container", {{"name", "x"}});
  CHECK(no_image["msg"] == "Cannot create container when image is not specified!");

  Json once = f.Run("docker_container", {{"name", "once"},
                                          {"image", "tend-test:1"},
                                          {"command", {"echo", "hi", "there"}},
                                          {"detach", false},
                                          {"cleanup", true}});
  CHECK(once["status"] == 0);
  CHECK(once["container"]["Output"] == "hi there\n");
  CHECK(!f.docker.containers.contains("once"));
}

TEST_CASE("docker modules report an unreachable daemon clearly") {
  FakeHost host = MakeHost();
  ScopedDocker real(UnixSocketConnector());
  Json result = Task{.host = host,
                     .module = "docker_volume",
                     .args = {{"name", "v"}, {"docker_host", "unix:///nonexistent/docker.sock"}}}
                    .Run();
  CHECK(result["failed"] == true);
  CHECK(result["msg"] ==
        "Error connecting to the Docker daemon at unix:///nonexistent/docker.sock: No such file or "
        "directory. Is the docker daemon running?");
  Json tcp = Task{.host = host, .module = "docker_volume", .args = {{"name", "v"}, {"docker_host", "tcp://1.2.3.4:2375"}}}.Run();
  CHECK(tcp["msg"].get<std::string>().starts_with("docker_host 'tcp://1.2.3.4:2375' is not supported"));
}

}  // namespace
}  // namespace tend
