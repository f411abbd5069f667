#include "controller/lab/host_runtime.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace tend::lab {
namespace {

// A listening socket on 127.0.0.1 and an ephemeral port.
struct Listener {
  int fd = -1;
  int port = 0;
  Listener() {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(fd, 4);
    socklen_t len = sizeof(addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
  }
  ~Listener() { close(fd); }
};

}  // namespace

TEST_CASE("cgroup roots: cgroup2 and the v1 name=systemd hierarchy") {
  const char* hybrid =
      "30 25 0:26 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:27 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
      "32 30 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
  CHECK(CgroupRoots(ParseMountInfo(hybrid)) ==
        std::vector<std::string>{"/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"});
  const char* unified = "30 25 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n";
  CHECK(CgroupRoots(ParseMountInfo(unified)) == std::vector<std::string>{"/sys/fs/cgroup"});
  const char* v1_only = "33 30 0:29 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n";
  CHECK(CgroupRoots(ParseMountInfo(v1_only)).empty());
}

TEST_CASE("an address in use is a clear error") {
  Listener listener;
  auto r = CheckAddressFree("127.0.0.1", listener.port);
  REQUIRE_FALSE(r);
  CHECK(r.error().message ==
        "address 127.0.0.1:" + std::to_string(listener.port) +
            " is already in use (another lab, or an sshd listening on all addresses?); stop what "
            "listens there, or give this lab another --name");
  CHECK(CheckAddressFree("not-an-address", 22).error().message ==
        "not-an-address is not an IPv4 address");
}

TEST_CASE("a listener on all addresses is told apart from one on a single address") {
  const char* header =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid\n";
  std::string wildcard_ssh =
      std::string(header) + "   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000\n";
  std::string lab_ssh =
      std::string(header) + "   0: 0B00007F:0016 00000000:0000 0A 00000000:00000000 00:00000000\n";
  std::string wildcard_other =
      std::string(header) + "   0: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00\n";
  std::string established =
      std::string(header) + "   0: 00000000:0016 0100007F:D431 01 00000000:00000000 00:00\n";
  std::string v6 =
      "   0: 00000000000000000000000000000000:0016 "
      "00000000000000000000000000000000:0000 0A 00000000:00000000\n";
  CHECK(ListensOnAllAddresses(wildcard_ssh, 22));
  CHECK_FALSE(ListensOnAllAddresses(lab_ssh, 22));
  CHECK_FALSE(ListensOnAllAddresses(wildcard_other, 22));
  CHECK(ListensOnAllAddresses(wildcard_other, 2024));
  CHECK_FALSE(ListensOnAllAddresses(established, 22));
  CHECK(ListensOnAllAddresses(v6, 22));
}

TEST_CASE("a host that did not come up is reported with the end of its log") {
  HostPlace place{"labtest", "node2", "127.0.1.12", "/s/labs/labtest/hosts/node2", "/s/base"};
  std::string log =
      "--- tend lab: starting node2\n\x1b[0;1;31mFailed\x1b[0m to start ssh.service.\n";
  Error timeout = HostNotUpError(place, false, std::chrono::seconds(60), log);
  CHECK(timeout.ToString() ==
        "host node2 (127.0.1.12) did not come up within 60 s; last lines of "
        "/s/labs/labtest/hosts/node2/console.log:\n"
        "    --- tend lab: starting node2\n"
        "    Failed to start ssh.service.");
  Error exited = HostNotUpError(place, true, std::chrono::seconds(60), "boom\n");
  CHECK(exited.ToString() ==
        "host node2 (127.0.1.12) stopped before its sshd came up; last lines of "
        "/s/labs/labtest/hosts/node2/console.log:\n    boom");
}

TEST_CASE("runtimes by name") {
  CHECK(ParseRuntime("nspawn") == Runtime::kNspawn);
  CHECK(ParseRuntime("chroot") == Runtime::kChroot);
  CHECK_FALSE(ParseRuntime("docker"));
  CHECK(RuntimeName(Runtime::kChroot) == "chroot");
}

TEST_CASE("ssh readiness needs the server's SSH banner") {
  auto answers = [](const char* greeting) {
    Listener listener;
    std::thread server([&] {
      int conn = accept(listener.fd, nullptr, nullptr);
      (void)!write(conn, greeting, std::strlen(greeting));
      close(conn);
    });
    bool ready = SshReady("127.0.0.1", std::chrono::milliseconds(2000), listener.port);
    server.join();
    return ready;
  };
  CHECK(answers("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));
  CHECK_FALSE(answers("HTTP/1.1 400 Bad Request\r\n"));
  int closed_port = Listener().port;  // bound, then closed again
  CHECK_FALSE(SshReady("127.0.0.1", std::chrono::milliseconds(200), closed_port));
}

}  // namespace tend::lab
