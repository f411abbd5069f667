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

}  // namespace
}  // namespace tend
