#include "controller/lab/rootfs.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "controller/lab/files.h"

namespace tend::lab {
namespace fs = std::filesystem;

TEST_CASE("the base cache key follows the suite and the package set, not their order") {
  BaseSpec a;
  BaseSpec b = a;
  std::reverse(b.packages.begin(), b.packages.end());
  b.mirror = "http://mirror.example/debian";
  CHECK(BaseKey(a) == BaseKey(b));
  CHECK(BaseKey(a).starts_with("bookworm-"));
  CHECK(BaseKey(a).size() == std::string("bookworm-").size() + 12);
  BaseSpec c = a;
  c.packages.push_back("curl");
  CHECK(BaseKey(a) != BaseKey(c));
  BaseSpec d = a;
  d.suite = "trixie";
  CHECK(BaseKey(d).starts_with("trixie-"));
}

TEST_CASE("no debootstrap is a clear error") {
  std::string state =
      (fs::temp_directory_path() / ("tend-lab-nodb-" + std::to_string(getpid()))).string();
  BaseSpec spec;
  spec.debootstrap = "tend-no-such-debootstrap";
  auto base = EnsureBase(state, spec, [](std::string_view) {});
  REQUIRE_FALSE(base);
  CHECK(base.error().message ==
        "tend-no-such-debootstrap is not installed: the lab builds its Debian base with it "
        "(apt-get install debootstrap)");
  fs::remove_all(state);
}

TEST_CASE("no mirror given and none in the apt sources is a clear error, before any build") {
  std::string top =
      (fs::temp_directory_path() / ("tend-lab-nomirror-" + std::to_string(getpid()))).string();
  REQUIRE(MakeDirs(top + "/apt/etc/apt/sources.list.d"));
  REQUIRE(WriteFile(top + "/apt/etc/apt/sources.list.d/nodesource.sources",
                    "Types: deb\nURIs: https://node.example/node_20.x\nSuites: nodistro\n"
                    "Components: main\n"));
  BaseSpec spec;
  spec.debootstrap = "sh";  // found, never run: the mirror is missing first
  spec.apt_root = top + "/apt";
  auto base = EnsureBase(top + "/state", spec, [](std::string_view) {});
  REQUIRE_FALSE(base);
  CHECK(base.error().message ==
        "no Debian mirror to build the lab base from: " + top +
            "/apt/etc/apt/sources.list and sources.list.d name no `deb` source for Debian main; "
            "give one with --mirror URL");
  CHECK_FALSE(fs::exists(top + "/state"));
  fs::remove_all(top);
}

TEST_CASE("sshd listens only on the host's own address") {
  std::string config = RenderSshdConfig("127.0.0.12");
  CHECK(config.find("\nListenAddress 127.0.0.12\n") != std::string::npos);
  CHECK(config.find("\nHostKey /etc/ssh/ssh_host_ed25519_key\n") != std::string::npos);
  CHECK(config.find("\nPasswordAuthentication no\n") != std::string::npos);
  CHECK(RenderEtcHosts("node2", "127.0.0.12").find("\n127.0.0.12\tnode2\n") != std::string::npos);
}

TEST_CASE("apt sources are copied only when their keyrings exist in the base") {
  std::string root =
      (fs::temp_directory_path() / ("tend-lab-apt-" + std::to_string(getpid()))).string();
  REQUIRE(MakeDirs(root + "/usr/share/keyrings"));
  REQUIRE(WriteFile(root + "/usr/share/keyrings/debian-archive-keyring.gpg", "k"));
  constexpr auto kOneLine = AptSourceFormat::kOneLine;
  constexpr auto kDeb822 = AptSourceFormat::kDeb822;
  struct Case {
    const char* text;
    AptSourceFormat format;
    bool usable;
  };
  Case cases[] = {
      {"deb http://mirror.example/debian bookworm main\n", kOneLine, true},
      {"Types: deb\nURIs: http://mirror.example/debian\nSigned-By: "
       "/usr/share/keyrings/debian-archive-keyring.gpg\n",
       kDeb822, true},
      {"Types: deb\nSigned-By: /usr/share/keyrings/nodesource.gpg\n", kDeb822, false},
      {"deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.gpg] https://x bookworm stable\n",
       kOneLine, false},
      {"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://x bookworm main\n",
       kOneLine, true},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(AptSourceUsable(c.text, c.format, root) == c.usable);
  }
  fs::remove_all(root);
}

TEST_CASE("host identity files land in the upper dir with the lower dir's modes") {
  std::string top =
      (fs::temp_directory_path() / ("tend-lab-id-" + std::to_string(getpid()))).string();
  std::string lower = top + "/lower", upper = top + "/upper";
  REQUIRE(MakeDirs(lower + "/etc/ssh/sshd_config.d"));
  REQUIRE(MakeDirs(lower + "/root"));
  chmod((lower + "/root").c_str(), 0700);
  REQUIRE(MakeDirs(upper));
  HostIdentity id{"node1",
                  "127.0.0.11",
                  "ssh-ed25519 LAB lab\n",
                  "PRIVATE\n",
                  "ssh-ed25519 HOST root@node1\n",
                  "nameserver 10.0.0.1\n"};
  REQUIRE(WriteHostIdentity(upper, lower, id));
  CHECK(ReadFile(upper + "/etc/hostname").value() == "node1\n");
  CHECK(ReadFile(upper + "/root/.ssh/authorized_keys").value() == "ssh-ed25519 LAB lab\n");
  CHECK(ReadFile(upper + "/etc/resolv.conf").value() == "nameserver 10.0.0.1\n");
  struct stat st;
  REQUIRE(stat((upper + "/root").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(stat((upper + "/root/.ssh").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(stat((upper + "/etc/ssh/ssh_host_ed25519_key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(fs::is_directory(upper + "/run/sshd"));
  auto machine_id = ReadFile(upper + "/etc/machine-id").value();
  CHECK(machine_id.size() == 33);
  // Writing again (a restart) keeps the machine id.
  REQUIRE(WriteHostIdentity(upper, lower, id));
  CHECK(ReadFile(upper + "/etc/machine-id").value() == machine_id);
  fs::remove_all(top);
}

}  // namespace tend::lab
