#include "core/mount_table.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tend {

TEST_CASE("mountinfo lines parse into their fields, paths unescaped") {
  struct Case {
    std::string line;
    size_t count;
    MountTableEntry expected;
  };
  const std::vector<Case> cases = {
      {"22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro", 1,
       {22, 1, "/", "/", "rw,relatime", "ext4", "/dev/sda1", "rw,errors=remount-ro"}},
      // No optional fields; a mount point with a space, a tab and a backslash.
      {"40 22 0:35 / /mnt/my\\040share\\011x\\134y rw - tmpfs tmpfs rw,size=1024k", 1,
       {40, 22, "/", "/mnt/my share\tx\\y", "rw", "tmpfs", "tmpfs", "rw,size=1024k"}},
      // Several optional fields; a bind mount shows the bound directory as its root.
      {"51 22 8:1 /srv/data /data rw shared:1 master:2 - ext4 /dev/sda1 rw", 1,
       {51, 22, "/srv/data", "/data", "rw", "ext4", "/dev/sda1", "rw"}},
      {"60 22 0:40 / /lab/h1 rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w", 1,
       {60, 22, "/", "/lab/h1", "rw", "overlay", "overlay", "rw,lowerdir=/l,upperdir=/u,workdir=/w"}},
      {"garbage", 0, {}},
      {"1 2 3:4 / /x rw - ext4", 0, {}},          // too few fields after the separator
      {"1 2 3:4 / /x rw ext4 /dev/x rw", 0, {}},  // no separator
      {"", 0, {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.line);
    auto mounts = ParseMountInfo(c.line + "\n");
    REQUIRE(mounts.size() == c.count);
    if (c.count == 0) continue;
    const auto& m = mounts[0];
    CHECK(m.id == c.expected.id);
    CHECK(m.parent_id == c.expected.parent_id);
    CHECK(m.root == c.expected.root);
    CHECK(m.mount_point == c.expected.mount_point);
    CHECK(m.options == c.expected.options);
    CHECK(m.fs_type == c.expected.fs_type);
    CHECK(m.source == c.expected.source);
    CHECK(m.super_options == c.expected.super_options);
  }
}

TEST_CASE("/proc/mounts lines parse into source, mount point, type and options") {
  auto mounts = ParseProcMounts(
      "/dev/sda1 / ext4 rw,relatime 0 0\n"
      "//server/share\\040x /mnt/my\\040share cifs rw 0 0\n"
      "short line\n"
      "proc /proc proc rw,nosuid 0 0");
  REQUIRE(mounts.size() == 3);
  CHECK(mounts[0].source == "/dev/sda1");
  CHECK(mounts[0].mount_point == "/");
  CHECK(mounts[0].fs_type == "ext4");
  CHECK(mounts[0].options == "rw,relatime");
  CHECK(mounts[1].source == "//server/share x");
  CHECK(mounts[1].mount_point == "/mnt/my share");
  CHECK(mounts[2].mount_point == "/proc");
  CHECK(mounts[2].super_options.empty());
}

TEST_CASE("mount fields: octal escapes decode, anything else stays") {
  CHECK(UnescapeMountField("a\\040b") == "a b");
  CHECK(UnescapeMountField("\\012\\134") == "\n\\");
  CHECK(UnescapeMountField("a\\04") == "a\\04");
  CHECK(UnescapeMountField("a\\x40") == "a\\x40");
  CHECK(UnescapeMountField("end\\") == "end\\");
}

}  // namespace tend
