#include "controller/lab/mounts.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tend::lab {

TEST_CASE("mountinfo lines parse, escapes and optional fields included") {
  const char* text =
      "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
      "36 35 98:0 /mnt1 /mnt/with\\040space rw,noatime master:1 shared:2 - ext3 /dev/root "
      "rw,errors=continue\n"
      "garbage line\n"
      "40 22 0:50 / /var/lib/tend/lab/labs/x/hosts/a/root rw - overlay overlay "
      "rw,lowerdir=/b/rootfs,upperdir=/u,workdir=/w\n";
  auto mounts = ParseMountInfo(text);
  REQUIRE(mounts.size() == 3);
  CHECK(mounts[0].mount_point == "/proc");
  CHECK(mounts[0].fs_type == "proc");
  CHECK(mounts[1].mount_point == "/mnt/with space");
  CHECK(mounts[1].fs_type == "ext3");
  CHECK(mounts[1].source == "/dev/root");
  CHECK(mounts[2].super_options == "rw,lowerdir=/b/rootfs,upperdir=/u,workdir=/w");
}

TEST_CASE("paths are under a directory component-wise") {
  struct Case {
    const char* path;
    const char* dir;
    bool under;
  };
  Case cases[] = {
      {"/a/b", "/a", true}, {"/a", "/a", true}, {"/ab", "/a", false},     {"/a/b", "/a/", true},
      {"/x", "/", true},    {"/", "/a", false}, {"/a/b/c", "/a/b", true}, {"/a/bc", "/a/b", false},
  };
  for (const auto& c : cases) {
    CAPTURE(c.path);
    CAPTURE(c.dir);
    CHECK(PathIsUnder(c.path, c.dir) == c.under);
  }
}

TEST_CASE("mounts referencing a directory: by mount point or by overlay option") {
  const char* text =
      "1 0 0:1 / / rw - ext4 /dev/vda rw\n"
      "2 1 0:2 / /lab/hosts/a/root rw - overlay overlay "
      "rw,lowerdir=/base,upperdir=/lab/hosts/a/upper,workdir=/lab/hosts/a/work\n"
      "3 2 0:3 / /lab/hosts/a/root/dev rw - tmpfs tmpfs rw\n"
      "4 1 0:4 / / rw - overlay overlay "
      "rw,lowerdir=/base,upperdir=/lab/hosts/b/upper,workdir=/lab/hosts/b/work\n"
      "5 1 0:5 / /labx rw - tmpfs tmpfs rw\n"
      "6 1 0:6 / /other rw - overlay overlay rw,lowerdir=/lab2:/base,upperdir=/u,workdir=/w\n";
  auto found = MountsReferencing(ParseMountInfo(text), "/lab");
  REQUIRE(found.size() == 3);
  CHECK(found[0].mount_point == "/lab/hosts/a/root/dev");
  CHECK(found[1].mount_point == "/lab/hosts/a/root");
  CHECK(found[2].mount_point == "/");  // a container's view of its own overlay
  CHECK(MountsReferencing(ParseMountInfo(text), "/base").size() == 3);
  CHECK(MountsReferencing(ParseMountInfo(text), "/lab2").size() == 1);
}

TEST_CASE("removing a tree never follows a symlink out of it") {
  namespace fs = std::filesystem;
  fs::path top = fs::temp_directory_path() / ("tend-lab-rm-" + std::to_string(getpid()));
  fs::remove_all(top);
  fs::create_directories(top / "victim");
  std::ofstream(top / "victim" / "keep") << "precious";
  fs::create_directories(top / "tree" / "a" / "b");
  std::ofstream(top / "tree" / "a" / "b" / "file") << "x";
  fs::create_directory_symlink(top / "victim", top / "tree" / "a" / "link");
  // Like overlayfs' work/work, which root must delete without any permission bits.
  if (geteuid() == 0) chmod((top / "tree" / "a" / "b").c_str(), 0);

  REQUIRE(RemoveTreeSafely((top / "tree").string()));
  CHECK_FALSE(fs::exists(top / "tree"));
  CHECK(fs::exists(top / "victim" / "keep"));
  CHECK(RemoveTreeSafely((top / "absent").string()));
  fs::remove_all(top);
}

}  // namespace tend::lab
