#include <doctest/doctest.h>

#include "modules/docker/docker_container_config.h"
#include "modules/host/docker_api.h"
#include "modules/testing/docker_fake.h"
#include "modules/testing/docker_fixture.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace docker_fixture_test;

TEST_CASE("docker_image loads a tarball once") {
  DockerFixture f;
  f.host.AddFile("/tmp/img.tar", "TARBALL");
  f.docker.tarballs["TARBALL"] = {"tend-test:1", nullptr};
  Json args{{"name", "tend-test"}, {"tag", "1"}, {"source", "load"}, {"load_path", "/tmp/img.tar"}};
  Json check = f.Run("docker_image", args, true);
  CHECK(check["changed"] == true);
  CHECK(check["actions"] == Json::array({"Loaded image tend-test:1 from /tmp/img.tar"}));
  CHECK(f.docker.changes.empty());
  Json second = f.RunIdempotent("docker_image", args);
  CHECK(second["image"]["RepoTags"] == Json::array({"tend-test:1"}));
  CHECK(second["actions"].empty());
  SUBCASE("force_source reloads; the same image reports no change") {
    args["force_source"] = true;
    Json again = f.Run("docker_image", args);
    CHECK(again["changed"] == false);
    CHECK(again["actions"] == Json::array({"Loaded image tend-test:1 from /tmp/img.tar"}));
    CHECK(f.docker.changes == std::vector<std::string>{"POST /images/load"});
  }
  SUBCASE("a tarball without the image fails naming it") {
    Json other{{"name", "other:2"}, {"source", "load"}, {"load_path", "/tmp/img.tar"}};
    Json failed = f.Run("docker_image", other);
    CHECK(failed["failed"] == true);
    CHECK(failed["msg"] == "The archive did not contain image 'other:2'. Instead, found 'tend-test:1'.");
  }
  SUBCASE("state absent removes it, then changes nothing") {
    Json absent{{"name", "tend-test:1"}, {"state", "absent"}};
    CHECK(f.Run("docker_image", absent, true)["changed"] == true);
    CHECK(f.docker.images.contains("tend-test:1"));
    f.RunIdempotent("docker_image", absent);
    CHECK(!f.docker.images.contains("tend-test:1"));
  }
}

TEST_CASE("docker_image errors name the cause") {
  DockerFixture f;
  f.host.AddFile("/tmp/bad.tar", "NOT A TAR");
  Json bad = f.Run("docker_image", {{"name", "x"}, {"source", "load"}, {"load_path", "/tmp/bad.tar"}});
  CHECK(bad["msg"] == "Error loading image x:latest from /tmp/bad.tar: unexpected EOF");
  Json nofile = f.Run("docker_image", {{"name", "x"}, {"source", "load"}, {"load_path", "/tmp/none.tar"}});
  CHECK(nofile["msg"] == "Error loading image x. Specified path /tmp/none.tar does not exist.");
  Json local = f.Run("docker_image", {{"name", "x"}, {"source", "local"}});
  CHECK(local["msg"] == "Cannot find the image x:latest locally.");
  Json pull = f.Run("docker_image", {{"name", "nosuch"}, {"source", "pull"}});
  CHECK(pull["msg"] ==
        "Error pulling image nosuch:latest - Error in POST /images/create: pull access denied for nosuch, "
        "repository does not exist or may require 'docker login'");
  Json missing = f.Run("docker_image", {{"name", "x"}});
  CHECK(missing["failed"] == true);
  CHECK(missing["msg"].get<std::string>().find("source") != std::string::npos);
  f.docker.registry["app:2"] = Json{{"Env", Json::array()}};
  CHECK(f.RunIdempotent("docker_image", {{"name", "app:2"}, {"source", "pull"}})["image"]["RepoTags"] ==
        Json::array({"app:2"}));
}

}  // namespace
}  // namespace tend
