// docker_image, docker_container, docker_network and docker_volume against a
// real dockerd, driven through the built `tend run` as users run it.
//
// It does not use a lab host: those share the machine's network namespace
// (no bridge or port forwarding of their own for a dockerd inside) and boot
// from an overlayfs root that overlay2 cannot stack on. Instead the test
// starts a private dockerd on this machine (its own socket, data root, exec
// root and bridge; never a daemon the machine already runs) and runs the
// modules over the local connection with `docker_host` pointing at that
// socket. It removes everything it made at the end.
#include <arpa/inet.h>
#include <csignal>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "core/json.h"

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kSocket = "/run/tend-docker-test.sock";
constexpr const char* kDataRoot = "/var/lib/tend-docker-test";
constexpr const char* kExecRoot = "/run/tend-docker-test";
constexpr const char* kPidFile = "/run/tend-docker-test.pid";
constexpr const char* kBridge = "tenddock0";
constexpr const char* kWork = "/tmp/tend-docker-lab";

std::string Docker() { return std::string("docker -H unix://") + kSocket; }

std::string Quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// One module run through `tend run -c local`; the result JSON of the one-line output.
tend::Json Module(const std::string& module, tend::Json args, double* seconds = nullptr) {
  args["docker_host"] = std::string("unix://") + kSocket;
  auto start = std::chrono::steady_clock::now();
  Run r = Sh(TendBinary() + " run -i localhost, localhost -c local -o -m " + module + " -a " +
             Quote(args.dump()));
  if (seconds) *seconds = Seconds(start);
  size_t arrow = r.out.find("=> ");
  REQUIRE_MESSAGE(arrow != std::string::npos, r.out);
  tend::Json result = tend::Json::parse(r.out.substr(arrow + 3), nullptr, false);
  REQUIRE_MESSAGE(!result.is_discarded(), r.out);
  REQUIRE_MESSAGE(result.value("failed", false) == false, r.out);
  return result;
}

// A free port on 127.0.0.1, from the kernel.
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

// GET over plain TCP to 127.0.0.1:port; the whole response, or "" when nothing answers.
std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0) {
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[4096];
      ssize_t n;
      while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    }
  }
  close(fd);
  return out;
}

std::string FetchWithRetry(int port, const std::string& path) {
  for (int i = 0; i < 50; ++i) {
    std::string got = HttpGet(port, path);
    if (got.find("200 OK") != std::string::npos) return got;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return HttpGet(port, path);
}

// The private daemon: started in the constructor, and in the destructor
// stopped with everything it held (containers, images, data root, bridge).
struct TestDaemon {
  bool up = false;

  TestDaemon() {
    Teardown();  // leftovers of an interrupted earlier run
    Sh(std::string("ip link add ") + kBridge + " type bridge && ip addr add 172.31.250.1/24 dev " +
       kBridge + " && ip link set " + kBridge + " up");
    Sh(std::string("mkdir -p ") + kDataRoot + " " + kExecRoot);
    Sh(std::string("setsid dockerd --host unix://") + kSocket + " --data-root " + kDataRoot +
       " --exec-root " + kExecRoot + " --pidfile " + kPidFile + " --bridge " + kBridge +
       " --iptables=false --ip-masq=false --log-level warn > " + kWork +
       "/dockerd.log 2>&1 < /dev/null &");
    for (int i = 0; i < 120 && !up; ++i) {
      up = Sh(Docker() + " version").rc == 0;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  ~TestDaemon() { Teardown(); }

  static void Teardown() {
    if (std::filesystem::exists(kSocket)) {
      Sh(Docker() + " ps -aq | xargs -r " + Docker() + " rm -f");
      Sh(Docker() + " images -q | xargs -r " + Docker() + " rmi -f");
    }
    std::ifstream pid_file(kPidFile);
    long pid = 0;
    if (pid_file >> pid && pid > 1) {
      kill(static_cast<pid_t>(pid), SIGTERM);
      for (int i = 0; i < 150 && std::filesystem::exists("/proc/" + std::to_string(pid)); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    Sh(std::string("grep -o ' ") + kDataRoot + "[^ ]*\\| " + kExecRoot +
       "[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l");
    Sh(std::string("rm -rf ") + kDataRoot + " " + kExecRoot + " " + kSocket + " " + kPidFile);
    Sh(std::string("ip link del ") + kBridge);
  }
};

// A one-file web root served by busybox httpd, imported as tend-lab:1 and
// saved to a tarball (no registry: the image is made here).
std::string MakeImageTarball(const std::string& page) {
  std::string root = std::string(kWork) + "/rootfs";
  Sh("rm -rf " + root + " && mkdir -p " + root + "/bin " + root + "/www");
  REQUIRE(Sh("cp /bin/busybox " + root + "/bin/busybox").rc == 0);
  Sh("ln -s busybox " + root + "/bin/sh && ln -s busybox " + root + "/bin/httpd");
  std::ofstream(root + "/www/index.html") << page;
  std::string tarball = std::string(kWork) + "/tend-lab.tar";
  Run imported = Sh("tar -C " + root + " -c . | " + Docker() + " import --change 'CMD [\"/bin/sh\"]' - tend-lab:1");
  REQUIRE_MESSAGE(imported.rc == 0, imported.out);
  Run saved = Sh(Docker() + " save -o " + tarball + " tend-lab:1 && " + Docker() + " rmi tend-lab:1");
  REQUIRE_MESSAGE(saved.rc == 0, saved.out);
  return tarball;
}

bool HasEnv(const tend::Json& container, const std::string& entry) {
  for (const auto& e : container["Config"]["Env"]) {
    if (e == entry) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("docker modules against a private dockerd over the local connection") {
  if (geteuid() != 0 || Sh("command -v dockerd").rc != 0 || !std::filesystem::exists("/bin/busybox")) {
    MESSAGE("SKIPPED: needs root, dockerd (docker.io) and /bin/busybox (busybox-static); see scripts/deps");
    return;
  }
  MESSAGE("Running against a private dockerd on ", kSocket,
          " over the local connection (tend run -c local), not on a lab host: nspawn lab hosts share "
          "the machine's network namespace, so a dockerd inside one gets no bridge or published ports");
  std::filesystem::create_directories(kWork);
  TestDaemon daemon;
  REQUIRE_MESSAGE(daemon.up, Sh(std::string("tail -20 ") + kWork + "/dockerd.log").out);
  std::string page = "served by tend docker_container " + std::to_string(getpid()) + "\n";
  std::string tarball = MakeImageTarball(page);
  double seconds = 0;

  tend::Json image_args{{"name", "tend-lab"}, {"tag", "1"}, {"source", "load"}, {"load_path", tarball}};
  tend::Json loaded = Module("docker_image", image_args, &seconds);
  CHECK(loaded["changed"] == true);
  CHECK(loaded["image"]["RepoTags"] == tend::Json::array({"tend-lab:1"}));
  MESSAGE("docker_image load: ", seconds, " s");
  CHECK(Module("docker_image", image_args, &seconds)["changed"] == false);
  MESSAGE("docker_image unchanged re-run: ", seconds, " s");

  tend::Json net_args{{"name", "tend-lab-net"}, {"ipam_config", {{{"subnet", "172.31.251.0/24"}}}}};
  CHECK(Module("docker_network", net_args)["network"]["IPAM"]["Config"][0]["Subnet"] == "172.31.251.0/24");
  CHECK(Module("docker_network", net_args)["changed"] == false);
  tend::Json vol_args{{"name", "tend-lab-vol"}, {"labels", {{"app", "tend"}}}};
  CHECK(Module("docker_volume", vol_args)["volume"]["Labels"]["app"] == "tend");
  CHECK(Module("docker_volume", vol_args)["changed"] == false);

  int port = FreePort();
  tend::Json web{{"name", "tend-lab-web"},
                 {"image", "tend-lab:1"},
                 {"command", "/bin/httpd -f -p 80 -h /www"},
                 {"published_ports", {"127.0.0.1:" + std::to_string(port) + ":80/tcp"}},
                 {"restart_policy", "on-failure"},
                 {"restart_retries", 3},
                 // httpd as PID 1 ignores SIGTERM: do not wait docker's 10 s default.
                 {"stop_timeout", 1},
                 {"env", {{"MODE", "a"}}},
                 {"labels", {{"tier", "web"}}},
                 {"volumes", {"tend-lab-vol:/data"}},
                 {"networks", {{{"name", "tend-lab-net"}}}}};
  tend::Json started = Module("docker_container", web, &seconds);
  MESSAGE("docker_container create+start: ", seconds, " s");
  CHECK(started["changed"] == true);
  const tend::Json& c = started["container"];
  CHECK(c["State"]["Running"] == true);
  CHECK(c["HostConfig"]["RestartPolicy"]["Name"] == "on-failure");
  CHECK(c["HostConfig"]["RestartPolicy"]["MaximumRetryCount"] == 3);
  CHECK(c["NetworkSettings"]["Networks"].contains("tend-lab-net"));
  CHECK(HasEnv(c, "MODE=a"));
  std::string got = FetchWithRetry(port, "/index.html");
  CHECK_MESSAGE(got.ends_with(page), got);

  tend::Json again = Module("docker_container", web, &seconds);
  CHECK(again["changed"] == false);
  CHECK(again["container"]["Id"] == c["Id"]);
  MESSAGE("docker_container unchanged re-run: ", seconds, " s");

  web["env"]["MODE"] = "b";
  tend::Json recreated = Module("docker_container", web);
  CHECK(recreated["changed"] == true);
  CHECK(recreated["container"]["Id"] != c["Id"]);
  CHECK(HasEnv(recreated["container"], "MODE=b"));
  CHECK(FetchWithRetry(port, "/index.html").ends_with(page));
  CHECK(Module("docker_container", web)["changed"] == false);

  tend::Json absent{{"name", "tend-lab-web"}, {"state", "absent"}, {"stop_timeout", 1}};
  CHECK(Module("docker_container", absent)["changed"] == true);
  CHECK(Module("docker_container", absent)["changed"] == false);
  CHECK(Sh(Docker() + " ps -aq").out.empty());

  net_args["state"] = "absent";
  CHECK(Module("docker_network", net_args)["changed"] == true);
  CHECK(Module("docker_network", net_args)["changed"] == false);
  vol_args["state"] = "absent";
  CHECK(Module("docker_volume", vol_args)["changed"] == true);
  CHECK(Module("docker_volume", vol_args)["changed"] == false);
  tend::Json image_absent{{"name", "tend-lab:1"}, {"state", "absent"}};
  CHECK(Module("docker_image", image_absent)["changed"] == true);
  CHECK(Module("docker_image", image_absent)["changed"] == false);
  CHECK(Sh(Docker() + " images -q").out.empty());
  std::filesystem::remove_all(kWork);
}
