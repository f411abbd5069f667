// unarchive, git, mount and debconf on the FakeHost: stand-ins for tar,
// unzip, git, mount and the debconf tools answer from a little state of
// their own, so every test sees the commands a module runs, what it decides
// from their output, and that a second run (or check mode) changes nothing.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <set>

#include "core/protocol.h"
#include "modules/all.h"
#include "modules/test_support.h"
#include "modules/tools_parse.h"

namespace tend {
namespace {

using tools::FstabEntry;

bool Has(const std::vector<std::string>& list, std::string_view needle) {
  for (const auto& s : list) {
    if (s.find(needle) != std::string::npos) return true;
  }
  return false;
}

std::string Arg(const ProcessSpec& spec, size_t i) {
  return i < spec.argv.size() ? spec.argv[i] : "";
}

bool HasArg(const ProcessSpec& spec, std::string_view a) {
  return std::find(spec.argv.begin(), spec.argv.end(), a) != spec.argv.end();
}

// Zip listings carry local times; the tests read them in UTC.
struct UtcZone {
  UtcZone() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

// ---- parsers ----

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

// ---- unarchive ----

struct Member {
  std::string path;
  std::string content;  // ignored for directories
  uint32_t mode = 0644;
};

// GNU tar and unzip over a list of members: --list/-Z list them, --diff /
// the listing compare with the FakeHost, --extract / -o write them.
struct FakeArchiver {
  std::vector<Member> members;
  int64_t mtime = 1704164645;
  std::string tar_version = "tar (GNU tar) 1.34\n";
  std::vector<std::string> extracts;

  bool Wanted(const ProcessSpec& spec, const Member& m) {
    for (const auto& a : spec.argv) {
      if (a.starts_with("--exclude=") && m.path.starts_with(a.substr(10))) return false;
    }
    return true;
  }

  ProcessResult Tar(const ProcessSpec& spec, FakeHost& host) {
    if (HasArg(spec, "--version")) return {0, tar_version, ""};
    std::string dest = Arg(spec, 3);
    std::string out, err;
    for (const auto& m : members) {
      if (!Wanted(spec, m)) continue;
      std::string path = JoinPath(dest, m.path);
      if (HasArg(spec, "--list")) out += m.path + "\n";
      if (HasArg(spec, "--diff")) {
        const auto* node = host.Find(path.ends_with('/') ? path.substr(0, path.size() - 1) : path);
        if (!node) {
          err += "tar: " + m.path + ": Warning: Cannot stat: No such file or directory\n";
        } else if (!m.path.ends_with('/') && node->content != m.content) {
          out += m.path + ": Contents differ\n";
        } else if (node->mode != m.mode) {
          out += m.path + ": Mode differs\n";
        }
      }
      if (HasArg(spec, "--extract")) Write(host, path, m);
    }
    if (HasArg(spec, "--extract")) extracts.push_back(JoinArgv(spec.argv));
    bool differs = HasArg(spec, "--diff") && !(out.empty() && err.empty());
    return {differs ? 1 : 0, out, err};
  }

  ProcessResult Unzip(const ProcessSpec& spec, FakeHost& host) {
    if (Arg(spec, 1) == "-Z") {
      if (!Arg(spec, 4).ends_with(".zip")) {
        return {9, "", "End-of-central-directory signature not found."};
      }
      std::string out = "Archive:  " + Arg(spec, 4) + "\n";
      for (const auto& m : members) {
        bool dir = m.path.ends_with('/');
        out += fmt::format("{}{}  3.0 unx {:8} {} stor 20240102.030405 {}\n", dir ? 'd' : '-',
                           dir ? "rwxr-xr-x" : "rw-r--r--", dir ? 0 : m.content.size(),
                           dir ? "bx" : "tx", m.path);
      }
      return {0, out + "2 files, 6 bytes uncompressed\n", ""};
    }
    if (Arg(spec, 1) == "-v") {
      std::string out = " Length   Method    Size  Cmpr    Date    Time   CRC-32   Name\n";
      for (const auto& m : members) {
        out += fmt::format("{:8}  Stored {:8}   0% 2024-01-02 03:04 {:08x}  {}\n", m.content.size(),
                           m.content.size(),
                           m.path.ends_with('/') ? 0 : tools::Crc32Update(0, m.content), m.path);
      }
      return {0, out, ""};
    }
    if (Arg(spec, 1) == "-o") {
      std::string dest = spec.argv.back();
      for (const auto& m : members) Write(host, JoinPath(dest, m.path), m);
      extracts.push_back(JoinArgv(spec.argv));
    }
    return {};
  }

  void Write(FakeHost& host, const std::string& path, const Member& m) {
    if (m.path.ends_with('/')) {
      std::string dir = path.substr(0, path.size() - 1);
      if (!host.Find(dir)) host.AddDirectory(dir, 0755);
      return;
    }
    host.AddFile(path, m.content, m.mode);
    (void)host.SetTimes(path, mtime, mtime);
  }

  static std::string JoinArgv(const std::vector<std::string>& argv) {
    std::string out;
    for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
    return out;
  }
};

struct UnarchiveFixture {
  UtcZone utc;
  FakeHost host = MakeHost();
  FakeArchiver archiver;

  UnarchiveFixture() {
    archiver.members = {
        {"app/", "", 0755}, {"app/run.sh", "echo hi\n", 0755}, {"app/README", "hi\n"}};
    for (const char* tool : {"/usr/bin/tar", "/usr/bin/unzip", "/usr/bin/zipinfo"}) {
      host.AddFile(tool, "", 0755);
    }
    host.AddDirectory("/opt");
    host.AddDirectory("/tmp", 01777);
    host.AddFile("/srv/app.tar.gz", "gzip bytes");
    host.AddFile("/srv/app.zip", "zip bytes");
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) -> ProcessResult {
      std::string tool = BaseName(spec.argv[0]);
      if (tool == "tar") return archiver.Tar(spec, h);
      if (tool == "unzip") return archiver.Unzip(spec, h);
      return {127, "", tool + ": not faked"};
    });
    host.ClearRecords();
  }

  Task Remote(const std::string& src, Json extra = Json::object()) {
    Json args{{"src", src}, {"dest", "/opt"}, {"remote_src", true}};
    for (auto& [k, v] : extra.items()) args[k] = v;
    return Task{.host = host, .module = "unarchive", .args = args};
  }
};

TEST_CASE("unarchive: a tar.gz on the target unpacks once; the second run is tar --diff only") {
  UnarchiveFixture f;
  Json first = f.Remote("/srv/app.tar.gz").Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["handler"] == "TgzArchive");
  CHECK(first["dest"] == "/opt");
  CHECK(first["src"] == "/srv/app.tar.gz");
  CHECK(first["state"] == "directory");
  CHECK(first["extract_results"]["rc"] == 0);
  CHECK(first["extract_results"]["cmd"] ==
        Json::array({"/usr/bin/tar", "--extract", "-C", "/opt", "-z", "-f", "/srv/app.tar.gz"}));
  CHECK(f.host.Content("/opt/app/run.sh") == "echo hi\n");
  CHECK(f.host.commands() ==
        std::vector<std::string>{"/usr/bin/tar --version",
                                 "/usr/bin/tar --list -C /opt -z -f /srv/app.tar.gz",
                                 "/usr/bin/tar --diff -C /opt -z -f /srv/app.tar.gz",
                                 "/usr/bin/tar --extract -C /opt -z -f /srv/app.tar.gz"});
  f.host.ClearRecords();
  Json second = f.Remote("/srv/app.tar.gz").Run();
  CHECK(second["changed"] == false);
  CHECK_FALSE(second.contains("extract_results"));
  CHECK(f.archiver.extracts.size() == 1);
  CHECK(f.host.changes().empty());

  f.host.AddFile("/opt/app/README", "edited\n");
  CHECK(f.Remote("/srv/app.tar.gz").Run()["changed"] == true);
  CHECK(f.host.Content("/opt/app/README") == "hi\n");
}

TEST_CASE("unarchive: tar flavours by name, and probing when the name says nothing") {
  UnarchiveFixture f;
  struct Case {
    const char* name;
    const char* handler;
    const char* flag;
  };
  const Case cases[] = {{"a.tar", "TarArchive", ""},
                        {"a.tgz", "TgzArchive", "-z"},
                        {"a.tar.bz2", "TarBzipArchive", "-j"},
                        {"a.tar.xz", "TarXzArchive", "-J"},
                        {"a.tar.zst", "TarZstdArchive", "--use-compress-program=zstd"}};
  for (const auto& c : cases) {
    INFO(c.name);
    f.host.AddFile(std::string("/srv/") + c.name, "bytes");
    f.host.ClearRecords();
    Json r = f.Remote(std::string("/srv/") + c.name).Run();
    CHECK(r["handler"] == c.handler);
    std::string list = f.host.commands().at(1);
    CHECK(list == fmt::format("/usr/bin/tar --list -C /opt{}{} -f /srv/{}", *c.flag ? " " : "",
                              c.flag, c.name));
  }
  // No telling name: zip is tried first (unzip -Z fails), then tar -z.
  f.host.AddFile("/srv/blob", "bytes");
  f.host.OnRun([&](const ProcessSpec& spec, FakeHost& h) -> ProcessResult {
    if (BaseName(spec.argv[0]) == "unzip")
      return {9, "", "End-of-central-directory signature not found"};
    return f.archiver.Tar(spec, h);
  });
  f.host.ClearRecords();
  Json blob = f.Remote("/srv/blob").Run();
  CHECK(blob["handler"] == "TgzArchive");
  CHECK(f.host.commands().front() == "/usr/bin/unzip -Z -T -s /srv/blob");
}

TEST_CASE("unarchive: exclude, include, keep_newer, extra_opts, owner and group reach tar") {
  UnarchiveFixture f;
  Json r = f.Remote("/srv/app.tar.gz", {{"exclude", {"app/README", "docs/"}},
                                        {"keep_newer", true},
                                        {"extra_opts", {"--strip-components=0"}},
                                        {"list_files", true}})
               .Run();
  INFO(r.dump());
  CHECK(r["files"] == Json::array({"app/", "app/run.sh"}));
  CHECK(f.archiver.extracts.back() ==
        "/usr/bin/tar --extract -C /opt -z --show-transformed-names --strip-components=0 "
        "--keep-newer-files --exclude=app/README --exclude=docs -f /srv/app.tar.gz");
  CHECK(f.host.Find("/opt/app/README") == nullptr);

  Json inc =
      f.Remote("/srv/app.tar.gz", {{"include", {"app/README"}}, {"owner", "app"}, {"group", "app"}})
          .Run();
  CHECK(f.archiver.extracts.back() ==
        "/usr/bin/tar --extract -C /opt -z --owner=app --group=app -f /srv/app.tar.gz "
        "app/README");
  // owner/group are applied to the members afterwards.
  CHECK(f.host.Find("/opt/app/README")->uid == 1001);
  CHECK(f.host.Find("/opt/app")->gid == 1001);

  Json both = f.Remote("/srv/app.tar.gz", {{"include", {"a"}}, {"exclude", {"b"}}}).Run();
  CHECK(both["msg"] == "parameters are mutually exclusive: include|exclude");
}

TEST_CASE("unarchive: mode applies to every member; the second run changes nothing") {
  UnarchiveFixture f;
  CheckIdempotent(f.Remote("/srv/app.tar.gz", {{"mode", "u=rwX,go=rX"}}));
  CHECK(f.host.Find("/opt/app/README")->mode == 0644);
  CHECK(f.host.Find("/opt/app/run.sh")->mode == 0755);
  f.host.ClearRecords();
  Json r = f.Remote("/srv/app.tar.gz", {{"mode", "0600"}}).Run();
  CHECK(r["changed"] == true);
  CHECK(f.archiver.extracts.size() == 1);  // a mode difference is not a re-extract
  CHECK(f.host.Find("/opt/app/run.sh")->mode == 0600);
}

TEST_CASE("unarchive: check mode says it would unpack and unpacks nothing") {
  UnarchiveFixture f;
  CheckCheckMode(f.Remote("/srv/app.tar.gz"));
  CHECK(f.archiver.extracts.empty());
  CHECK(f.host.Find("/opt/app") == nullptr);
  f.Remote("/srv/app.tar.gz").Run();
  Task again = f.Remote("/srv/app.tar.gz");
  again.check = true;
  CHECK(again.Run()["changed"] == false);
}

TEST_CASE("unarchive: creates skips before anything is read or sent") {
  UnarchiveFixture f;
  f.host.AddFile("/opt/app/run.sh", "old");
  f.host.ClearRecords();
  Json r = f.Remote("/srv/app.tar.gz", {{"creates", "/opt/app/run.sh"}}).Run();
  CHECK(r["skipped"] == true);
  CHECK(r["changed"] == false);
  CHECK(r["msg"] == "skipped, since /opt/app/run.sh exists");
  CHECK(f.host.commands().empty());
  Task sent{.host = f.host,
            .module = "unarchive",
            .args = {{"src", "app.tar.gz"},
                     {"dest", "/opt"},
                     {"creates", "/opt/app/run.sh"},
                     {"_content", {{"sha1", "x"}, {"size", 3}}}},
            .controller_content = StringSource("tar")};
  CHECK(sent.Run()["skipped"] == true);
  CHECK(sent.fetches == 0);
}

TEST_CASE("unarchive: the controller's archive is staged in a temporary file and removed") {
  UnarchiveFixture f;
  Task task{.host = f.host,
            .module = "unarchive",
            .args = {{"src", "files/app.tar.gz"},
                     {"dest", "/opt"},
                     {std::string(protocol::kContentArg), {{"sha1", "abc"}, {"size", 10}}}},
            .controller_content = StringSource("gzip bytes")};
  Json r = task.Run();
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(task.fetches == 1);
  std::string staged = r["src"];
  CHECK(staged.starts_with("/tmp/.tend-unarchive-"));
  CHECK(staged.ends_with("-app.tar.gz"));
  CHECK(r["handler"] == "TgzArchive");
  CHECK(f.host.Find(staged) == nullptr);
  CHECK(f.host.changes().front() == "write " + staged);
  CHECK(f.host.changes().back() == "remove " + staged);

  // Check mode stages the archive to compare it, and changes nothing else.
  f.host.ClearRecords();
  task.check = true;
  f.host.AddFile("/opt/app/README", "edited\n");
  f.host.ClearRecords();
  Json check = task.Run();
  CHECK(check["changed"] == true);
  CHECK(f.host.changes().size() == 2);
  CHECK(f.host.Content("/opt/app/README") == "edited\n");

  // Small archives ride inline as text.
  Task inline_task{.host = f.host,
                   .module = "unarchive",
                   .args = {{"src", "app.zip"},
                            {"dest", "/opt"},
                            {"_content", {{"sha1", "abc"}, {"size", 3}, {"text", "zip"}}}}};
  CHECK(inline_task.Run()["handler"] == "ZipArchive");

  Json lost =
      Task{.host = f.host, .module = "unarchive", .args = {{"src", "app.tar.gz"}, {"dest", "/opt"}}}
          .Run();
  CHECK(lost["msg"] == "Source 'app.tar.gz' failed to transfer");
}

TEST_CASE("unarchive: a zip compares its listing with what is on disk") {
  UnarchiveFixture f;
  Json first = f.Remote("/srv/app.zip", {{"list_files", true}}).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["handler"] == "ZipArchive");
  CHECK(first["files"] == Json::array({"app/", "app/run.sh", "app/README"}));
  CHECK(first["diff"]["prepared"] ==
        ">d++++++.?? app/\n>f++++++.?? app/run.sh\n>f++++++.?? app/README\n");
  CHECK(f.archiver.extracts.back() == "/usr/bin/unzip -o /srv/app.zip -d /opt");
  CHECK(f.host.Find("/opt/app/README")->mtime == 1704164645);

  // The fake lists every file as rw-r--r--: run.sh (0755 on disk) differs in mode.
  f.archiver.members[1].mode = 0644;
  f.host.AddFile("/opt/app/run.sh", "echo hi\n", 0644);
  (void)f.host.SetTimes("/opt/app/run.sh", 1704164645, 1704164645);
  f.host.ClearRecords();
  Json second = f.Remote("/srv/app.zip").Run();
  CHECK_MESSAGE(second["changed"] == false, second.dump());
  CHECK_FALSE(second.contains("diff"));
  CHECK(f.host.changes().empty());
  CHECK(f.host.commands().back() == "/usr/bin/unzip -v /srv/app.zip");  // CRCs checked

  // Same size and time, other bytes: the CRC tells.
  f.host.AddFile("/opt/app/README", "ho\n");
  (void)f.host.SetTimes("/opt/app/README", 1704164645, 1704164645);
  Task check = f.Remote("/srv/app.zip");
  check.check = true;
  Json edited = check.Run();
  CHECK(edited["changed"] == true);
  CHECK(edited["diff"]["prepared"] == ".fc......?? app/README\n");

  f.host.AddFile("/opt/app/README", "hi\n");
  (void)f.host.SetTimes("/opt/app/README", 1704164000, 1704164000);
  CHECK(check.Run()["diff"]["prepared"] == ".f..t....?? app/README\n");
  Json newer = f.Remote("/srv/app.zip", {{"keep_newer", true}}).Run();
  CHECK(newer["changed"] == true);  // older on disk: replaced
  (void)f.host.SetTimes("/opt/app/README", 1804164000, 1804164000);
  f.host.ClearRecords();
  Json kept = f.Remote("/srv/app.zip", {{"keep_newer", true}}).Run();
  CHECK(kept["changed"] == false);  // newer on disk: left alone
}

TEST_CASE("unarchive: zip include/exclude and the ZipZArchive fallback without zipinfo") {
  UnarchiveFixture f;
  (void)f.host.Remove("/usr/bin/zipinfo");
  Json r = f.Remote("/srv/app.zip", {{"exclude", {"app/R*"}}, {"list_files", true}}).Run();
  CHECK(r["handler"] == "ZipZArchive");
  CHECK(r["files"] == Json::array({"app/", "app/run.sh"}));
  CHECK(f.archiver.extracts.back() == "/usr/bin/unzip -o /srv/app.zip -x app/R* -d /opt");
  Json inc = f.Remote("/srv/app.zip", {{"include", {"app/README"}}, {"list_files", true}}).Run();
  CHECK(inc["files"] == Json::array({"app/README"}));
}

TEST_CASE("unarchive: clear failures") {
  UnarchiveFixture f;
  CHECK(f.Remote("/srv/nope.tar.gz").Run()["msg"] == "Source '/srv/nope.tar.gz' does not exist");
  f.host.AddFile("/srv/empty.tar", "");
  CHECK(f.Remote("/srv/empty.tar").Run()["msg"] ==
        "Invalid archive '/srv/empty.tar', the file is 0 bytes");
  Json url = f.Remote("https://example.org/a.tgz").Run();
  CHECK(url["msg"].get<std::string>().starts_with(
      "Source 'https://example.org/a.tgz' is a URL: tend's unarchive does not download"));
  Task bad_dest = f.Remote("/srv/app.tar.gz");
  bad_dest.args["dest"] = "/nowhere";
  CHECK(bad_dest.Run()["msg"] == "Destination '/nowhere' is not a directory");
  Task sent{
      .host = f.host, .module = "unarchive", .args = {{"src", "a.tgz"}, {"dest", "/srv/app.zip"}}};
  CHECK(sent.Run()["msg"] == "dest '/srv/app.zip' must be an existing dir");

  (void)f.host.Remove("/usr/bin/tar");
  Json no_tar = f.Remote("/srv/app.tar.gz").Run();
  CHECK(no_tar["failed"] == true);
  std::string msg = no_tar["msg"];
  CHECK(
      msg.starts_with("Failed to find handler for \"/srv/app.tar.gz\". Make sure the required "
                      "command to extract the file is installed.\n"));
  CHECK(msg.find("Unable to find required 'gtar' or 'tar' binary in the path") !=
        std::string::npos);
  (void)f.host.Remove("/usr/bin/unzip");
  Json no_unzip = f.Remote("/srv/app.zip").Run();
  CHECK(no_unzip["msg"].get<std::string>().find(
            "Unable to find required 'unzip' binary in the path.") != std::string::npos);

  f.host.AddFile("/usr/bin/tar", "", 0755);
  f.archiver.tar_version = "bsdtar 3.6.2 - libarchive 3.6.2\n";
  Json bsd = f.Remote("/srv/app.tar.gz").Run();
  CHECK(bsd["msg"].get<std::string>().find(
            "Command \"/usr/bin/tar\" detected as tar type bsd. GNU tar required.") !=
        std::string::npos);
  f.archiver.tar_version = "tar (GNU tar) 1.34\n";
  f.archiver.members.clear();
  CHECK(f.Remote("/srv/app.tar.gz")
            .Run()["msg"]
            .get<std::string>()
            .find("found no files in archive. Empty archive files are not supported.") !=
        std::string::npos);
}

// ---- git ----

constexpr const char* kC0 = "c000000000000000000000000000000000000000";
constexpr const char* kC1 = "c100000000000000000000000000000000000000";
constexpr const char* kC2 = "c200000000000000000000000000000000000000";
constexpr const char* kC3 = "c300000000000000000000000000000000000000";
constexpr const char* kTagObject = "a100000000000000000000000000000000000000";

// A remote repository and the clone the module manages, answering the git
// commands the module runs.
struct FakeGit {
  std::map<std::string, std::string> remote{{"HEAD", kC1},
                                            {"refs/heads/main", kC1},
                                            {"refs/heads/dev", kC3},
                                            {"refs/tags/v1", kTagObject},
                                            {"refs/tags/v1^{}", kC0}};
  std::string dest = "/srv/app";
  std::string url;
  std::map<std::string, std::string> branches;  // local branch -> commit
  std::map<std::string, std::string> tracking;  // origin/<branch> -> commit
  std::string head_branch;                      // empty: detached
  std::string detached;
  bool dirty = false;
  std::vector<ProcessSpec> runs;

  std::string Head() const { return head_branch.empty() ? detached : branches.at(head_branch); }

  void WriteHead(FakeHost& host) {
    host.AddFile(dest + "/.git/HEAD",
                 head_branch.empty() ? detached + "\n" : "ref: refs/heads/" + head_branch + "\n");
  }

  void Fetch() {
    for (const auto& [ref, sha] : remote) {
      if (ref.starts_with("refs/heads/")) tracking[ref.substr(11)] = sha;
    }
  }

  ProcessResult Clone(const ProcessSpec& spec, FakeHost& host) {
    url = spec.argv[spec.argv.size() - 2];
    dest = spec.argv.back();
    host.AddFile(dest + "/.git/config", "[core]\n");
    host.AddFile(dest + "/.git/refs/remotes/origin/HEAD", "ref: refs/remotes/origin/main\n");
    Fetch();
    branches = {{"main", tracking["main"]}};
    head_branch = "main";
    WriteHead(host);
    return {};
  }

  ProcessResult Checkout(const ProcessSpec& spec, FakeHost& host) {
    if (Arg(spec, 2) == "--track") {
      std::string name = Arg(spec, 4);
      branches[name] = tracking[name];
      head_branch = name;
    } else if (branches.contains(Arg(spec, 3))) {
      head_branch = Arg(spec, 3);
    } else if (remote.contains("refs/tags/" + Arg(spec, 3))) {
      head_branch.clear();
      detached = remote["refs/tags/" + Arg(spec, 3) + "^{}"];
    } else if (tools::LooksLikeSha(Arg(spec, 3))) {
      head_branch.clear();
      detached = Arg(spec, 3);
    } else {
      return {1, "", "error: pathspec '" + Arg(spec, 3) + "' did not match\n"};
    }
    WriteHead(host);
    return {};
  }

  ProcessResult Branches() const {
    std::string out =
        head_branch.empty() ? "* (HEAD detached at " + detached.substr(0, 7) + ")\n" : "";
    for (const auto& [name, sha] : branches) {
      out += (name == head_branch ? "* " : "  ") + name + "\n";
    }
    out += "  remotes/origin/HEAD -> origin/main\n";
    for (const auto& [name, sha] : tracking) out += "  remotes/origin/" + name + "\n";
    return {0, out, ""};
  }

  ProcessResult LsRemote(const ProcessSpec& spec) const {
    if (Arg(spec, 2) == "--get-url") return {0, url + "\n", ""};
    std::string out;
    for (const auto& [ref, sha] : remote) out += sha + "\t" + ref + "\n";
    return {0, out, ""};
  }

  ProcessResult Handle(const ProcessSpec& spec, FakeHost& host) {
    runs.push_back(spec);
    const std::string verb = Arg(spec, 1);
    if (verb == "clone") return Clone(spec, host);
    if (verb == "ls-remote") return LsRemote(spec);
    if (verb == "rev-parse") return {0, Head() + "\n", ""};
    if (verb == "status") return {0, dirty ? " M app.py\n?? notes.txt\n" : "?? notes.txt\n", ""};
    if (verb == "fetch") return Fetch(), ProcessResult{};
    if (verb == "checkout") return Checkout(spec, host);
    if (verb == "branch") return Branches();
    if (verb == "remote" && Arg(spec, 2) == "set-url") return url = Arg(spec, 4), ProcessResult{};
    if (verb == "remote" && Arg(spec, 2) == "add") return ProcessResult{};
    if (verb == "reset") {
      dirty = false;
      std::string to = Arg(spec, 3);
      if (to.starts_with("origin/")) branches[head_branch] = tracking[to.substr(7)];
      return {};
    }
    if (verb == "diff") return {0, "diff --git a/app.py b/app.py\n", ""};
    return {1, "", "git: '" + verb + "' is not faked\n"};
  }
};

struct GitFixture {
  FakeHost host = MakeHost();
  FakeGit git;

  GitFixture() {
    host.AddFile("/usr/bin/git", "", 0755);
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) { return git.Handle(spec, h); });
    host.ClearRecords();
  }

  Task Clone(Json extra = Json::object(), bool check = false) {
    Json args{{"repo", "/srv/repos/app.git"}, {"dest", "/srv/app"}};
    for (auto& [k, v] : extra.items()) args[k] = v;
    return Task{.host = host, .module = "git", .args = args, .check = check};
  }

  std::vector<std::string> Verbs() const {
    std::vector<std::string> out;
    for (const auto& r : git.runs) out.push_back(Arg(r, 1));
    return out;
  }
};

TEST_CASE("git: clones a path repository as file://, then an update changes nothing") {
  GitFixture f;
  Json first = f.Clone({{"version", "HEAD"}}).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["before"].is_null());
  CHECK(first["after"] == kC1);
  const ProcessSpec& clone = f.git.runs.front();
  CHECK(clone.argv == std::vector<std::string>{"/usr/bin/git", "clone", "--origin", "origin",
                                               "file:///srv/repos/app.git", "/srv/app"});
  CHECK(clone.cwd == "/srv");
  CHECK(clone.env.at("GIT_SSH_COMMAND") == "ssh  -o BatchMode=yes");
  CHECK(clone.env.at("LC_ALL") == "C");
  CHECK(f.Verbs() == std::vector<std::string>{"clone", "checkout", "reset", "rev-parse"});

  f.git.runs.clear();
  f.host.ClearRecords();
  Json second = f.Clone().Run();
  CHECK_MESSAGE(second["changed"] == false, second.dump());
  CHECK(second["before"] == kC1);
  CHECK(second["after"] == kC1);
  CHECK(second["remote_url_changed"] == false);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse", "ls-remote", "fetch",
                                              "checkout", "reset", "rev-parse"});
  CHECK(f.host.changes().empty());

  // The remote moves on: the next run pulls it in.
  f.git.remote["refs/heads/main"] = kC2;
  Json pulled = f.Clone({{"version", "main"}}).Run();
  CHECK(pulled["changed"] == true);
  CHECK(pulled["before"] == kC1);
  CHECK(pulled["after"] == kC2);
}

TEST_CASE("git: a tag, a branch and a sha") {
  GitFixture f;
  f.Clone().Run();
  Json tag = f.Clone({{"version", "v1"}}).Run();
  CHECK(tag["changed"] == true);
  CHECK(tag["after"] == kC0);
  CHECK(f.git.runs.back().argv == std::vector<std::string>{"/usr/bin/git", "rev-parse", "HEAD"});
  CHECK(
      Has({FakeArchiver::JoinArgv(f.git.runs[f.git.runs.size() - 2].argv)}, "checkout --force v1"));
  CHECK(f.Clone({{"version", "v1"}}).Run()["changed"] == false);

  Json dev = f.Clone({{"version", "dev"}}).Run();
  CHECK(dev["after"] == kC3);
  CHECK(f.git.head_branch == "dev");
  bool tracked = false;
  for (const auto& r : f.git.runs) {
    tracked =
        tracked || r.argv == std::vector<std::string>{"/usr/bin/git", "checkout", "--track",
                                                      "-b",           "dev",      "origin/dev"};
  }
  CHECK(tracked);
  CHECK(f.Clone({{"version", "dev"}}).Run()["changed"] == false);

  // Back to HEAD from a detached tag: the remote HEAD's branch.
  f.Clone({{"version", "v1"}}).Run();
  Json head = f.Clone().Run();
  CHECK(head["after"] == kC1);
  CHECK(f.git.head_branch == "main");

  // A sha already checked out: no fetch at all.
  f.git.runs.clear();
  Json sha = f.Clone({{"version", kC1}}).Run();
  CHECK(sha["changed"] == false);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse", "ls-remote"});
  Json short_sha = f.Clone({{"version", std::string(kC1).substr(0, 7)}}).Run();
  CHECK(short_sha["changed"] == false);
}

TEST_CASE("git: local modifications are refused without force, reset with it") {
  GitFixture f;
  f.Clone().Run();
  f.git.dirty = true;
  f.git.runs.clear();
  Json refused = f.Clone().Run();
  CHECK(refused["failed"] == true);
  CHECK(refused["msg"] == "Local modifications exist in the destination: /srv/app (force=no).");
  CHECK(refused["before"] == kC1);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse"});
  Json refused_check = f.Clone(Json::object(), /*check=*/true).Run();
  CHECK(refused_check["failed"] == true);

  Json forced = f.Clone({{"force", true}}).Run();
  CHECK(forced["changed"] == true);
  CHECK(forced["msg"] == "Local modifications exist in the destination: /srv/app");
  CHECK_FALSE(f.git.dirty);
  CHECK(Has(f.Verbs(), "reset"));
  bool force_fetch = false;
  for (const auto& r : f.git.runs)
    force_fetch = force_fetch || (HasArg(r, "--force") && Arg(r, 1) == "fetch");
  CHECK(force_fetch);
}

TEST_CASE("git: check mode asks ls-remote and leaves dest alone") {
  GitFixture f;
  CheckCheckMode(f.Clone());
  CHECK(f.Verbs() == std::vector<std::string>{"ls-remote"});
  CHECK(f.host.Find("/srv/app") == nullptr);
  Json r = f.Clone({{"version", "v1"}}, true).Run();
  CHECK(r["after"] == kC0);  // the tag's commit, not the tag object
  CHECK(r["before"].is_null());

  f.Clone().Run();
  f.git.remote["refs/heads/main"] = kC2;
  f.git.runs.clear();
  Json check = f.Clone({{"version", "main"}}, true).Run();
  CHECK(check["changed"] == true);
  CHECK(check["before"] == kC1);
  CHECK(check["after"] == kC2);
  CHECK(f.Verbs() == std::vector<std::string>{"status", "rev-parse", "ls-remote", "ls-remote"});
  CHECK(f.git.Head() == kC1);
  Json same = f.Clone({{"version", "dev"}}, true).Run();
  CHECK(same["after"] == kC3);

  f.Clone().Run();
  Task with_diff = f.Clone({{"repo", "/srv/repos/app.git"}});
  with_diff.diff = true;
  f.git.remote["refs/heads/main"] = kC3;
  Json d = with_diff.Run();
  CHECK(d["diff"]["prepared"] == "diff --git a/app.py b/app.py\n");
}

TEST_CASE("git: remote URL change, update=no, clone=no, bare, depth, single_branch") {
  GitFixture f;
  f.Clone().Run();
  Json moved = f.Clone({{"repo", "https://git.example.org/app.git"}}).Run();
  CHECK(moved["remote_url_changed"] == true);
  CHECK(moved["changed"] == true);
  CHECK(f.git.url == "https://git.example.org/app.git");

  f.git.runs.clear();
  Json frozen = f.Clone({{"update", false}, {"repo", "/srv/repos/app.git"}}).Run();
  CHECK(frozen["changed"] == false);
  CHECK(frozen["before"] == frozen["after"]);
  CHECK(f.Verbs() == std::vector<std::string>{"rev-parse"});

  FakeHost other = MakeHost();
  other.AddFile("/usr/bin/git", "", 0755);
  FakeGit remote_only;
  other.OnRun([&](const ProcessSpec& spec, FakeHost& h) { return remote_only.Handle(spec, h); });
  Json info = Task{.host = other,
                   .module = "git",
                   .args = {{"repo", "git@example.org:app.git"}, {"clone", false}}}
                  .Run();
  CHECK(info["changed"] == true);
  CHECK(info["after"] == kC1);
  CHECK(Task{.host = other, .module = "git", .args = {{"repo", "x"}}}.Run()["msg"] ==
        "the destination directory must be specified unless clone=no");

  GitFixture shallow;
  shallow.Clone({{"version", "dev"}, {"depth", 1}, {"single_branch", true}}).Run();
  CHECK(shallow.git.runs[1].argv ==
        std::vector<std::string>{"/usr/bin/git", "clone", "--origin", "origin", "--depth", "1",
                                 "--branch", "dev", "--single-branch", "--branch", "dev",
                                 "file:///srv/repos/app.git", "/srv/app"});

  GitFixture bare;
  Json bare_result = bare.Clone({{"bare", true}, {"remote", "upstream"}}).Run();
  INFO(bare_result.dump());
  CHECK(bare_result["changed"] == true);
  CHECK(bare.git.runs[0].argv[2] == "--bare");
  CHECK(bare.Verbs() == std::vector<std::string>{"clone", "remote", "rev-parse"});
}

// The controller validates a task's arguments and sends them on with the
// defaults filled in; the agent validates again. Both must accept that.
TEST_CASE("unarchive and git: defaulted arguments pass a second validation") {
  for (const char* module : {"unarchive", "git", "mount", "debconf"}) {
    INFO(module);
    Json args = Json::object();
    if (std::string(module) == "unarchive") args = {{"src", "a.tgz"}, {"dest", "/opt"}};
    if (std::string(module) == "git") args = {{"repo", "r"}, {"dest", "/d"}};
    if (std::string(module) == "mount") args = {{"path", "/m"}, {"state", "absent"}};
    if (std::string(module) == "debconf") args = {{"name", "tzdata"}};
    const ModuleSpec& spec = FindModule(module)->spec();
    auto once = ValidateArgs(spec, args);
    REQUIRE(once.has_value());
    auto twice = ValidateArgs(spec, *once);
    std::string why = twice.has_value() ? "" : twice.error().message;
    CHECK_MESSAGE(twice.has_value(), why);
  }
}

TEST_CASE("git: ssh options, executable and argument errors") {
  GitFixture f;
  f.Clone({{"accept_hostkey", true}, {"key_file", "/root/.ssh/deploy"}}).Run();
  CHECK(f.git.runs[0].env.at("GIT_SSH_COMMAND") ==
        "ssh  -o StrictHostKeyChecking=no -o BatchMode=yes  -i /root/.ssh/deploy -o "
        "IdentitiesOnly=yes");
  GitFixture g;
  g.Clone({{"accept_newhostkey", true}, {"ssh_opts", "-p 2222"}}).Run();
  CHECK(g.git.runs[0].env.at("GIT_SSH_COMMAND") ==
        "ssh  -p 2222 -o StrictHostKeyChecking=accept-new -o BatchMode=yes");

  Json both = f.Clone({{"accept_hostkey", true}, {"accept_newhostkey", true}}).Run();
  CHECK(both["msg"] == "parameters are mutually exclusive: accept_hostkey|accept_newhostkey");

  GitFixture h;
  h.host.AddFile("/opt/git/bin/git", "", 0755);
  h.Clone({{"executable", "/opt/git/bin/git"}}).Run();
  CHECK(h.git.runs[0].argv[0] == "/opt/git/bin/git");
  (void)h.host.Remove("/usr/bin/git");
  Json missing = h.Clone().Run();
  CHECK(missing["msg"].get<std::string>().starts_with(
      "Failed to find required executable \"git\" in paths: "));

  GitFixture bad;
  bad.git.remote.erase("refs/heads/main");
  bad.git.remote["refs/heads/trunk"] = kC1;
  Json unknown = bad.Clone({{"version", "nosuch"}}).Run();
  CHECK(unknown["failed"] == true);
  CHECK(unknown["msg"] == "Failed to checkout nosuch");
  CHECK(unknown["stderr"] == "error: pathspec 'nosuch' did not match\n");
}

// ---- mount ----

struct FakeMounts {
  std::vector<std::pair<std::string, std::string>> mounted;  // path, src
  int fail_mount = 0;
  int fail_remount = 0;

  void Publish(FakeHost& host) {
    std::string text = "21 1 8:1 / / rw - ext4 /dev/sda1 rw\n";
    int id = 30;
    for (const auto& [path, src] : mounted) {
      text += fmt::format("{} 21 0:{} / {} rw - tmpfs {} rw\n", id, id, path, src);
      ++id;
    }
    host.AddFile("/proc/self/mountinfo", text);
  }

  ProcessResult Handle(const ProcessSpec& spec, FakeHost& host) {
    const std::string& path = spec.argv.back();
    if (spec.argv[0] == "umount") {
      std::erase_if(mounted, [&](const auto& m) { return m.first == path; });
    } else if (HasArg(spec, "-o") && Arg(spec, 2).starts_with("remount")) {
      if (fail_remount) return {fail_remount, "", "mount: remount failed\n"};
    } else {
      if (fail_mount) return {fail_mount, "", "mount: " + path + ": special device missing\n"};
      std::string src = HasArg(spec, "-t") ? spec.argv[spec.argv.size() - 2] : "from-fstab";
      mounted.emplace_back(path, src);
    }
    Publish(host);
    return {};
  }
};

struct MountFixture {
  FakeHost host = MakeHost();
  FakeMounts mounts;

  MountFixture() {
    host.AddFile("/etc/fstab",
                 "# <file system> <mount point> <type> <options> <dump> <pass>\n"
                 "UUID=abc / ext4 errors=remount-ro 0 1\n");
    mounts.Publish(host);
    host.OnRun([this](const ProcessSpec& spec, FakeHost& h) { return mounts.Handle(spec, h); });
    host.ClearRecords();
  }

  Task Mount(Json args, bool check = false) {
    return Task{.host = host, .module = "mount", .args = std::move(args), .check = check};
  }
  static Json Data(const char* state) {
    return Json{{"path", "/mnt/data"}, {"src", "tmpfs"}, {"fstype", "tmpfs"}, {"state", state}};
  }
};

TEST_CASE("mount: present writes the fstab entry once; absent removes it") {
  MountFixture f;
  Json r = f.Mount(MountFixture::Data("present")).Run();
  INFO(r.dump());
  CHECK(r["changed"] == true);
  CHECK(r["name"] == "/mnt/data");
  CHECK(r["opts"] == "defaults");
  CHECK(r["dump"] == "0");
  CHECK(r["passno"] == "0");
  CHECK(r["fstab"] == "/etc/fstab");
  CHECK(r["boot"] == "yes");
  CHECK(r["backup_file"] == "");
  CHECK(f.host.Content("/etc/fstab") ==
        "# <file system> <mount point> <type> <options> <dump> <pass>\n"
        "UUID=abc / ext4 errors=remount-ro 0 1\n"
        "tmpfs /mnt/data tmpfs defaults 0 0\n");
  CHECK(f.host.commands().empty());
  f.host.ClearRecords();
  CHECK(f.Mount(MountFixture::Data("present")).Run()["changed"] == false);
  CHECK(f.host.changes().empty());

  Json opts = MountFixture::Data("present");
  opts["opts"] = "size=1m";
  opts["boot"] = false;
  CHECK(f.Mount(opts).Run()["opts"] == "size=1m,noauto");
  CHECK(f.host.Content("/etc/fstab").ends_with("tmpfs /mnt/data tmpfs size=1m,noauto 0 0\n"));

  CheckIdempotent(f.Mount({{"path", "/mnt/data"}, {"state", "absent"}}));
  CHECK(f.host.Content("/etc/fstab") ==
        "# <file system> <mount point> <type> <options> <dump> <pass>\n"
        "UUID=abc / ext4 errors=remount-ro 0 1\n");
}

TEST_CASE("mount: check mode and backup for fstab edits") {
  MountFixture f;
  CheckCheckMode(f.Mount(MountFixture::Data("present")));
  CheckCheckMode(f.Mount(MountFixture::Data("mounted")));
  CHECK(f.host.commands().empty());
  Json args = MountFixture::Data("present");
  args["backup"] = true;
  Json r = f.Mount(args).Run();
  std::string backup = r["backup_file"];
  CHECK(backup.starts_with("/etc/fstab."));
  CHECK(f.host.Content(backup).find("/mnt/data") == std::string::npos);
  Json bad = f.Mount({{"path", "/mnt/x"}, {"state", "mounted"}, {"src", "tmpfs"}}).Run();
  CHECK(bad["msg"] == "state is mounted but all of the following are missing: fstype");
}

TEST_CASE("mount: mounted makes the mount point, writes fstab and mounts; then nothing") {
  MountFixture f;
  Json first = f.Mount(MountFixture::Data("mounted")).Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(f.host.Find("/mnt/data")->kind == FileKind::kDirectory);
  CHECK(f.host.commands() == std::vector<std::string>{"mount /mnt/data"});
  CHECK(f.mounts.mounted.size() == 1);
  f.host.ClearRecords();
  Json second = f.Mount(MountFixture::Data("mounted")).Run();
  CHECK(second["changed"] == false);
  CHECK(f.host.commands().empty());
  CHECK(f.host.changes().empty());

  // A changed entry on a mounted file system is remounted.
  Json opts = MountFixture::Data("mounted");
  opts["opts"] = "size=2m";
  CHECK(f.Mount(opts).Run()["changed"] == true);
  CHECK(f.host.commands().back() == "mount -o remount /mnt/data");
  // When remount fails: umount, then mount.
  f.mounts.fail_remount = 32;
  opts["opts"] = "size=3m";
  f.host.ClearRecords();
  CHECK(f.Mount(opts).Run()["changed"] == true);
  CHECK(f.host.commands() == std::vector<std::string>{"mount -o remount /mnt/data",
                                                      "umount /mnt/data", "mount /mnt/data"});

  CheckIdempotent(f.Mount({{"path", "/mnt/data"}, {"state", "unmounted"}}));
  CHECK(f.mounts.mounted.empty());
  CHECK(f.host.Content("/etc/fstab").find("/mnt/data") != std::string::npos);
}

TEST_CASE("mount: a failed mount puts fstab back and removes the made directories") {
  MountFixture f;
  f.mounts.fail_mount = 32;
  std::string before = f.host.Content("/etc/fstab");
  Json args = MountFixture::Data("mounted");
  args["path"] = "/mnt/deep/data";
  Json r = f.Mount(args).Run();
  CHECK(r["failed"] == true);
  CHECK(r["msg"] ==
        "Error mounting /mnt/deep/data: mount: /mnt/deep/data: special device missing\n");
  CHECK(f.host.Content("/etc/fstab") == before);
  CHECK(f.host.Find("/mnt/deep") == nullptr);
  CHECK(f.host.Find("/mnt") == nullptr);
}

TEST_CASE("mount: another fstab, absent unmounts and removes the mount point") {
  MountFixture f;
  Json args = MountFixture::Data("mounted");
  args["fstab"] = "/etc/fstab.d/test";
  CHECK(f.Mount(args).Run()["changed"] == true);
  CHECK(f.host.commands().back() == "mount -T /etc/fstab.d/test /mnt/data");
  CHECK(f.host.Content("/etc/fstab.d/test") == "tmpfs /mnt/data tmpfs defaults 0 0\n");
  f.host.ClearRecords();
  Json absent =
      f.Mount({{"name", "/mnt/data"}, {"state", "absent"}, {"fstab", "/etc/fstab.d/test"}}).Run();
  CHECK(absent["changed"] == true);
  CHECK(f.host.commands() == std::vector<std::string>{"umount /mnt/data"});
  CHECK(f.host.Find("/mnt/data") == nullptr);
  CHECK(f.host.Content("/etc/fstab.d/test") == "");
}

TEST_CASE("mount: ephemeral and remounted") {
  MountFixture f;
  Json eph{{"path", "/mnt/e"},
           {"src", "tmpfs"},
           {"fstype", "tmpfs"},
           {"opts", "size=1m"},
           {"state", "ephemeral"}};
  CHECK(f.Mount(eph).Run()["changed"] == true);
  CHECK(f.host.commands().back() == "mount -t tmpfs -o size=1m tmpfs /mnt/e");
  CHECK(f.host.Content("/etc/fstab").find("/mnt/e") == std::string::npos);
  // Mounted from the same source: ephemeral remounts (always changed).
  CHECK(f.Mount(eph).Run()["changed"] == true);
  CHECK(f.host.commands().back() == "mount -o remount -t tmpfs -o size=1m tmpfs /mnt/e");
  eph["src"] = "/dev/sdz";
  Json other = f.Mount(eph).Run();
  CHECK(other["msg"].get<std::string>().starts_with(
      "Ephemeral mount point is already mounted with a different source"));

  f.host.ClearRecords();
  Json re = f.Mount({{"path", "/mnt/e"}, {"opts", "ro"}, {"state", "remounted"}}).Run();
  CHECK(re["changed"] == true);
  CHECK(f.host.commands() == std::vector<std::string>{"mount -o remount,ro /mnt/e"});
  f.host.ClearRecords();
  CHECK(f.Mount({{"path", "/mnt/e"}, {"state", "remounted"}}, true).Run()["changed"] == true);
  CHECK(f.host.commands().empty());
  f.mounts.fail_remount = 1;
  Json failed = f.Mount({{"path", "/mnt/e"}, {"opts", "ro"}, {"state", "remounted"}}).Run();
  CHECK(failed["msg"].get<std::string>().starts_with(
      "Options were specified with remounted, but the remount command failed."));
}

// ---- debconf ----

struct FakeDebconf {
  struct Answer {
    std::string type;
    std::string value;
    bool seen = true;
  };
  std::map<std::string, Answer> answers{{"tzdata/Areas", {"select", "Etc"}},
                                        {"tzdata/Zones/Europe", {"select", ""}},
                                        {"tzdata/flag", {"boolean", "true"}},
                                        {"tzdata/secret", {"password", "old-secret"}},
                                        {"tzdata/langs", {"multiselect", "de, en"}}};
  std::vector<std::string> stdin_seen;

  ProcessResult Handle(const ProcessSpec& spec) {
    std::string tool = BaseName(spec.argv[0]);
    if (tool == "debconf-show") {
      if (Arg(spec, 1) != "tzdata") return {0, "", ""};
      std::string out;
      for (const auto& [q, a] : answers) {
        std::string shown = a.type == "password" ? "(password omitted)" : a.value;
        out += fmt::format("{} {}: {}\n", a.seen ? "*" : " ", q, shown);
      }
      return {0, out, ""};
    }
    if (tool == "debconf-get-selections") {
      std::string out;
      for (const auto& [q, a] : answers)
        out += "tzdata\t" + q + "\t" + a.type + "\t" + a.value + "\n";
      return {0, out, ""};
    }
    if (tool == "debconf-set-selections") {
      stdin_seen.push_back(spec.stdin_data.value_or(""));
      auto f = tools::SplitFields(*spec.stdin_data, 4);
      answers[f[1]] = {f[2], f.size() > 3 ? f[3] : "", !HasArg(spec, "-u")};
      return {};
    }
    return {127, "", "not faked"};
  }
};

struct DebconfFixture {
  FakeHost host = MakeHost();
  FakeDebconf debconf;

  DebconfFixture() {
    for (const char* tool : {"/usr/bin/debconf-show", "/usr/bin/debconf-get-selections"}) {
      host.AddFile(tool, "", 0755);
    }
    host.OnRun([this](const ProcessSpec& spec, FakeHost&) { return debconf.Handle(spec); });
    host.ClearRecords();
  }

  Task Set(const char* question, const char* vtype, Json value) {
    return Task{.host = host,
                .module = "debconf",
                .args = {{"name", "tzdata"},
                         {"question", question},
                         {"vtype", vtype},
                         {"value", std::move(value)}}};
  }
  int Sets() const {
    int n = 0;
    for (const auto& c : host.commands()) n += c.starts_with("debconf-set-selections");
    return n;
  }
};

TEST_CASE("debconf: sets an answer through debconf-set-selections once") {
  DebconfFixture f;
  Task task = f.Set("tzdata/Areas", "select", "Europe");
  task.diff = true;
  Json first = task.Run();
  INFO(first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["current"] == Json{{"tzdata/Areas", "Europe"}});
  CHECK(first["previous"] == Json{{"tzdata/Areas", "Etc"}});
  CHECK(first["diff"] ==
        Json{{"before", {{"tzdata/Areas", "Etc"}}}, {"after", {{"tzdata/Areas", "Europe"}}}});
  CHECK(f.debconf.stdin_seen == std::vector<std::string>{"tzdata tzdata/Areas select Europe"});
  f.host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK(second["current"]["tzdata/Areas"] == "Europe");
  CHECK(f.Sets() == 0);

  Json fresh = f.Set("tzdata/new", "string", "x").Run();
  CHECK(fresh["previous"] == Json{{"tzdata/new", ""}});
}

TEST_CASE("debconf: booleans, multiselect lists, unseen, check mode") {
  DebconfFixture f;
  CHECK(f.Set("tzdata/flag", "boolean", true).Run()["changed"] == false);
  CHECK(f.Set("tzdata/flag", "boolean", "True").Run()["changed"] == false);
  CHECK(f.Set("tzdata/flag", "boolean", "yes").Run()["changed"] == true);
  CHECK(f.debconf.stdin_seen.back() == "tzdata tzdata/flag boolean yes");

  CHECK(f.Set("tzdata/langs", "multiselect", Json::array({"en", "de"})).Run()["changed"] == false);
  Json more = f.Set("tzdata/langs", "multiselect", Json::array({"fr", "en"})).Run();
  CHECK(more["changed"] == true);
  CHECK(f.debconf.stdin_seen.back() == "tzdata tzdata/langs multiselect fr, en");

  Task unseen = f.Set("tzdata/Areas", "select", "Asia");
  unseen.args["unseen"] = true;
  unseen.Run();
  CHECK(f.host.commands().back() == "debconf-set-selections -u");
  CHECK_FALSE(f.debconf.answers["tzdata/Areas"].seen);

  f.host.ClearRecords();
  Task check = f.Set("tzdata/Areas", "select", "America");
  check.check = true;
  CHECK(check.Run()["changed"] == true);
  CHECK(f.Sets() == 0);
  CHECK(f.debconf.answers["tzdata/Areas"].value == "Asia");
}

TEST_CASE("debconf: a password is compared via debconf-get-selections and never shown") {
  DebconfFixture f;
  CHECK(f.Set("tzdata/secret", "password", "old-secret").Run()["changed"] == false);
  Task task = f.Set("tzdata/secret", "password", "new-secret");
  task.diff = true;
  Json r = task.Run();
  CHECK(r["changed"] == true);
  CHECK(r.dump().find("new-secret") == std::string::npos);
  CHECK(r.dump().find("old-secret") == std::string::npos);
  CHECK(r["current"]["tzdata/secret"] == "********");
  CHECK(r["diff"]["after"]["tzdata/secret"] == "********");
  CHECK(f.debconf.answers["tzdata/secret"].value == "new-secret");
  CHECK(DebconfSpec().FindArg("value")->no_log);
  CHECK(f.Set("tzdata/secret", "password", "new-secret").Run()["changed"] == false);
}

TEST_CASE("debconf: listing, argument and tool errors") {
  DebconfFixture f;
  Json all = Task{.host = f.host, .module = "debconf", .args = {{"name", "tzdata"}}}.Run();
  CHECK(all["changed"] == false);
  CHECK(all["current"]["tzdata/Areas"] == "Etc");
  CHECK(all["current"].size() == 5);
  Json partial = Task{.host = f.host,
                      .module = "debconf",
                      .args = {{"pkg", "tzdata"}, {"selection", "tzdata/Areas"}}}
                     .Run();
  CHECK(partial["msg"] == "parameters are required together: question, vtype, value");
  Json bad = f.Set("tzdata/Areas", "choice", "x").Run();
  CHECK(bad["msg"].get<std::string>().starts_with("value of vtype must be one of: boolean, error"));
  (void)f.host.Remove("/usr/bin/debconf-show");
  CHECK(f.Set("tzdata/Areas", "select", "x")
            .Run()["msg"]
            .get<std::string>()
            .starts_with("Failed to find required executable \"debconf-show\""));
}

}  // namespace
}  // namespace tend
