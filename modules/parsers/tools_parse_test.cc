#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <set>

#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/parsers/tools_parse.h"
#include "modules/testing/fake_tools.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_tools_test;

using tools::FstabEntry;

TEST_CASE("ParseZipListing keeps member lines and skips the header and summary") {
  UtcZone utc;
  auto entries = tools::ParseZipListing(
      "Archive:  /tmp/a.zip\n"
      "Zip file size: 412 bytes, number of entries: 3\n"
      "drwxr-xr-x  3.0 unx        0 bx stor 20240102.030405 data/\n"
      "-rw-r--r--  3.0 unx        6 tx stor 20240102.030405 data/a file.txt\n"
      "lrwxrwxrwx  3.0 unx        6 bx stor 20240102.030405 data/link\n"
      "3 files, 12 bytes uncompressed, 12 bytes compressed:  0.0%\n");
  REQUIRE(entries.size() == 3);
  CHECK(entries[0].type == 'd');
  CHECK(entries[0].path == "data/");
  CHECK(entries[1].perms == "rw-r--r--");
  CHECK(entries[1].size == 6);
  CHECK(entries[1].path == "data/a file.txt");
  CHECK(entries[2].type == 'l');
  CHECK(tools::ZipStampToTime(entries[1].stamp) == 1704164645);
  CHECK(tools::ZipStampToTime("19700101.000000") == 315532800);  // clamped to 1980
  CHECK(tools::PermsToMode("rwxr-x---", 0) == 0750);
  CHECK(tools::PermsToMode("rw-rw-rw-", 022) == 0644);
}

TEST_CASE("ParseZipCrcs and Crc32Update") {
  auto crcs = tools::ParseZipCrcs(
      "Archive:  a.zip\n"
      " Length   Method    Size  Cmpr    Date    Time   CRC-32   Name\n"
      "--------  ------  ------- ---- ---------- ----- --------  ----\n"
      "       0  Stored        0   0% 2024-01-02 03:04 00000000  data/\n"
      "       9  Stored        9   0% 2024-01-02 03:04 cbf43926  data/a file.txt\n"
      "--------          -------  ---                            -------\n"
      "       9                9   0%                            2 files\n");
  CHECK(crcs.size() == 2);
  CHECK(crcs["data/a file.txt"] == 0xcbf43926u);
  CHECK(tools::Crc32Update(0, "123456789") == 0xcbf43926u);
  CHECK(tools::Crc32Update(tools::Crc32Update(0, "1234"), "56789") == 0xcbf43926u);
}

TEST_CASE("TarDifferences: which tar --diff lines mean 'not extracted'") {
  struct Case {
    const char* out;
    const char* err;
    bool root, owner, group, mode;
    bool differs;
  };
  const Case cases[] = {
      {"", "", true, false, false, false, false},
      {"a.txt: Mod time differs\n", "", true, false, false, false, true},
      {"a.txt: Contents differ\n", "", false, false, false, false, true},
      {"a.txt: Size differs\n", "", false, false, false, false, true},
      {"", "tar: a.txt: Warning: Cannot stat: No such file or directory\n", false, false, false,
       false, true},
      {"", "tar: : Warning: Cannot stat: No such file or directory\n", true, false, false, false,
       false},
      {"a.txt: Uid differs\n", "", true, false, false, false, true},
      {"a.txt: Uid differs\n", "", false, false, false, false, false},  // not root
      {"a.txt: Uid differs\n", "", true, true, false, false, false},    // owner applied later
      {"a.txt: Gid differs\n", "", true, false, true, false, false},
      {"a.txt: Mode differs\n", "", false, false, false, false, true},
      {"a.txt: Mode differs\n", "", false, false, false, true, false},
      {"l: Symlink differs\n", "", false, false, false, false, true},
  };
  for (const auto& c : cases) {
    INFO(c.out, c.err);
    CHECK(!tools::TarDifferences(c.out, c.err, c.root, c.owner, c.group, c.mode).empty() ==
          c.differs);
  }
  CHECK(tools::UnescapeTarName("dir/caf\\303\\251 \\\\x") == "dir/caf\xc3\xa9 \\x");
}

TEST_CASE("ParseLsRemote and LooksLikeSha") {
  auto refs = tools::ParseLsRemote(
      "1111111111111111111111111111111111111111\tHEAD\n"
      "2222222222222222222222222222222222222222\trefs/tags/v1^{}\n");
  REQUIRE(refs.size() == 2);
  CHECK(refs[1].ref == "refs/tags/v1^{}");
  CHECK(refs[1].sha == "2222222222222222222222222222222222222222");
  CHECK(tools::LooksLikeSha("abc1234"));
  CHECK_FALSE(tools::LooksLikeSha("main"));
  CHECK_FALSE(tools::LooksLikeSha("abc12"));
  CHECK_FALSE(tools::LooksLikeSha("v1.0.0"));
}

TEST_CASE("ParseMountinfo: sources, and bind mounts resolved to the bound directory") {
  auto mounts = tools::ParseMountinfo(
      "21 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
      "42 21 0:35 / /tmp rw shared:2 - tmpfs tmpfs rw\n"
      "78 42 0:35 /aaa /tmp/bbb rw shared:2 - tmpfs tmpfs rw\n"
      "140 21 253:2 /rootfs /srv rw - ext4 /dev/sdb2 rw\n"
      "141 140 253:2 /rootfs/tmp/aaa /srv/bbb rw - ext4 /dev/sdb2 rw\n");
  CHECK(mounts["/"].src == "/dev/sda1");
  CHECK(mounts["/"].bind_src == "/dev/sda1");
  CHECK(mounts["/tmp"].src == "tmpfs");
  CHECK(mounts["/tmp"].fstype == "tmpfs");
  CHECK(mounts["/tmp/bbb"].src == "tmpfs");
  CHECK(mounts["/tmp/bbb"].bind_src == "/tmp/aaa");
  CHECK(mounts["/srv/bbb"].bind_src == "/srv/tmp/aaa");
}

// The kernel writes a space in a path as \040; `mount` compares with the path as
// given, so the table holds it unescaped (it used to keep the escape).
TEST_CASE("ParseMountinfo: mount points with a space are unescaped") {
  auto mounts = tools::ParseMountinfo(
      "21 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "42 21 0:35 / /mnt/my\\040share rw - cifs //srv/a\\040b rw\n");
  REQUIRE(mounts.contains("/mnt/my share"));
  CHECK(mounts["/mnt/my share"].src == "//srv/a b");
}

TEST_CASE("SetFstabEntry / UnsetFstabEntry: the edits ansible.posix.mount makes") {
  const std::string base =
      "# /etc/fstab: static file system information.\n"
      "UUID=abc / ext4 errors=remount-ro 0 1\n"
      "\n"
      "/dev/sdb1\t/data\text4\tdefaults\t0\t2  # data disk\n"
      "/swapfile none swap sw 0 0\n";
  FstabEntry data{"/dev/sdb1", "/data", "ext4", "defaults", "0", "2"};
  struct Case {
    const char* what;
    std::string fstab;
    FstabEntry entry;
    bool changed;
    std::string expected;
  };
  const Case cases[] = {
      {"same entry: untouched, tabs and comment kept", base, data, false, base},
      {"new entry appended",
       base,
       {"tmpfs", "/scratch", "tmpfs", "size=1m", "0", "0"},
       true,
       base + "tmpfs /scratch tmpfs size=1m 0 0\n"},
      {"changed opts: the line is rewritten space-separated",
       base,
       {"/dev/sdb1", "/data", "ext4", "noatime", "0", "2"},
       true,
       "# /etc/fstab: static file system information.\n"
       "UUID=abc / ext4 errors=remount-ro 0 1\n\n"
       "/dev/sdb1 /data ext4 noatime 0 2\n"
       "/swapfile none swap sw 0 0\n"},
      {"a last line without newline gets one",
       "a /x ext4 defaults 0 0",
       {"b", "/y", "xfs", "defaults", "0", "0"},
       true,
       "a /x ext4 defaults 0 0\nb /y xfs defaults 0 0\n"},
      {"four fields: dump and passno added",
       "a /x ext4 defaults\n",
       {"a", "/x", "ext4", "defaults", "0", "0"},
       true,
       "a /x ext4 defaults 0 0\n"},
      {"spaces, ampersand and backslash escaped",
       "",
       {"//srv/a b", "/mnt/a b&c", "cifs", "defaults", "0", "0"},
       true,
       "//srv/a\\040b /mnt/a\\040b\\046c cifs defaults 0 0\n"},
      {"swap entries told apart by src",
       base,
       {"/swap2", "none", "swap", "sw", "0", "0"},
       true,
       base + "/swap2 none swap sw 0 0\n"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto edit = tools::SetFstabEntry(c.fstab, c.entry);
    CHECK(edit.changed == c.changed);
    CHECK(edit.text == c.expected);
  }
  auto removed = tools::UnsetFstabEntry(base, "/data", std::nullopt);
  CHECK(removed.changed);
  CHECK(removed.text ==
        "# /etc/fstab: static file system information.\n"
        "UUID=abc / ext4 errors=remount-ro 0 1\n\n/swapfile none swap sw 0 0\n");
  CHECK_FALSE(tools::UnsetFstabEntry(base, "/nothing", std::nullopt).changed);
  CHECK_FALSE(tools::UnsetFstabEntry(base, "none", std::string("/other")).changed);
  CHECK(tools::UnsetFstabEntry(base, "none", std::string("/swapfile")).changed);
}

TEST_CASE("ParseDebconfShow: seen marks and values with colons") {
  auto s = tools::ParseDebconfShow(
      "* tzdata/Areas: Europe\n"
      "  tzdata/Zones/Etc: UTC\n"
      "  locales/default_environment_locale: None\n"
      "* shared/url: http://example.org:8080/\n");
  CHECK(s.size() == 4);
  CHECK(s["tzdata/Areas"] == "Europe");
  CHECK(s["tzdata/Zones/Etc"] == "UTC");
  CHECK(s["shared/url"] == "http://example.org:8080/");
}

}  // namespace
}  // namespace tend
