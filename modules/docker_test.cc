// docker_* modules against FakeDockerDaemon (no daemon needed): the HTTP
// parsing of the client, the desired-vs-inspected comparison of
// docker_container, and each module's idempotence and check mode.
#include <doctest/doctest.h>

#include "modules/docker_api.h"
#include "modules/docker_container_config.h"
#include "modules/docker_fake.h"
#include "modules/test_support.h"

namespace tend {
namespace {

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

Json WebArgs() {
  return {{"name", "web"},
          {"image", "tend-test:1"},
          {"command", "/bin/httpd -f -p 80 -h /www"},
          {"published_ports", {"127.0.0.1:18080:80"}},
          {"restart_policy", "unless-stopped"},
          {"env", {{"MODE", "a"}}},
          {"labels", {{"tier", "web"}}},
          {"volumes", {"/srv:/www:ro"}}};
}

TEST_CASE("ParseHttpResponse reads Content-Length, chunked and unframed bodies") {
  auto plain = ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nApi-Version: 1.41\r\n\r\n{}extra");
  REQUIRE(plain);
  CHECK(plain->status == 200);
  CHECK(plain->body == "{}");
  CHECK(plain->headers["api-version"] == "1.41");
  auto chunked = ParseHttpResponse(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;x=y\r\n world\r\n0\r\n\r\n");
  REQUIRE(chunked);
  CHECK(chunked->status == 404);
  CHECK(chunked->body == "hello world");
  auto unframed = ParseHttpResponse("HTTP/1.0 204 No Content\r\nServer: x\r\n\r\n");
  REQUIRE(unframed);
  CHECK(unframed->status == 204);
  CHECK(unframed->body.empty());
  CHECK(ParseHttpResponse("garbage").error().message == "incomplete HTTP response from Docker");
  CHECK(DecodeChunked("zz\r\n").error().message == "bad chunk size 'zz' in Docker response");
  CHECK(DecodeChunked("5\r\nhel").error().message == "truncated chunk in Docker response");
}

TEST_CASE("DemuxDockerStream splits framed stdout and stderr") {
  std::string raw = std::string("\1\0\0\0\0\0\0\3", 8) + "out" + std::string("\2\0\0\0\0\0\0\4", 8) + "err\n";
  auto [out, err] = DemuxDockerStream(raw);
  CHECK(out == "out");
  CHECK(err == "err\n");
  CHECK(DemuxDockerStream("tty text").first == "tty text");
}

TEST_CASE("docker_host and image references") {
  CHECK(*SocketPathOf("unix:///run/x.sock") == "/run/x.sock");
  CHECK(!SocketPathOf("tcp://127.0.0.1:2375"));
  struct Case {
    std::string reference, repository, tag;
  };
  for (const auto& c : std::vector<Case>{{"busybox", "busybox", ""},
                                         {"busybox:1.36", "busybox", "1.36"},
                                         {"localhost:5000/app", "localhost:5000/app", ""},
                                         {"localhost:5000/app:v2", "localhost:5000/app", "v2"},
                                         {"app@sha256:abc", "app@sha256:abc", ""}}) {
    auto [repository, tag] = SplitImageReference(c.reference);
    CHECK_MESSAGE(repository == c.repository, c.reference);
    CHECK_MESSAGE(tag == c.tag, c.reference);
  }
  CHECK(NormalizeImageName("busybox") == "busybox:latest");
  CHECK(NormalizeImageName("busybox:1") == "busybox:1");
  CHECK(UrlEncode("a/b:c") == "a%2Fb%3Ac");
}

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

TEST_CASE("docker modules report an unreachable daemon clearly") {
  FakeHost host = MakeHost();
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
