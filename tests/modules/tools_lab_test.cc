// unarchive, git, mount and debconf against a real systemd-booted lab host,
// driven through the built `tend` binary: playbooks from tests/modules/tools/
// and ad-hoc `tend run`. What the modules did is checked on the host itself
// over plain OpenSSH.
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using tend::labtest::Changed;
using tend::labtest::Env;
using tend::labtest::Lab;
using tend::labtest::RecapOf;
using tend::labtest::Run;
using tend::labtest::Sh;
using tend::labtest::Unchanged;

constexpr const char* kLab = "tools";

// The lab, brought up once, with the tools the modules drive (the stock
// image has tar and debconf, not git or unzip).
const Lab& GetLab() {
  static Lab lab = [] {
    Lab l = tend::labtest::StartLab(kLab);
    std::string missing = l.On("for t in git unzip; do command -v $t >/dev/null || echo $t; done");
    if (!missing.empty()) {
      Run apt = l.Ssh("root", l.dir + "/id_ed25519",
                      "DEBIAN_FRONTEND=noninteractive apt-get -qq update && "
                      "DEBIAN_FRONTEND=noninteractive apt-get -qq install -y "
                      "--no-install-recommends git unzip >/dev/null");
      INFO(apt.out);
      REQUIRE(apt.rc == 0);
      MESSAGE("installed on the lab host: ", missing, " (", apt.seconds, " s)");
    }
    return l;
  }();
  return lab;
}

// A tar.gz and a zip of the same small tree, made on the controller.
std::string MakeArchives(const Lab& lab) {
  std::string dir = lab.dir + "/tools-fixtures";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/tree/app/bin");
  std::ofstream(dir + "/tree/app/README") << "tend unarchive test\n";
  std::ofstream(dir + "/tree/app/bin/run.sh") << "#!/bin/sh\necho hi\n";
  std::filesystem::permissions(dir + "/tree/app/bin/run.sh",
                               std::filesystem::perms::owner_exec |
                                   std::filesystem::perms::group_exec |
                                   std::filesystem::perms::others_exec,
                               std::filesystem::perm_options::add);
  Run tar = Sh("tar czf " + dir + "/app.tar.gz -C " + dir + "/tree app");
  REQUIRE_MESSAGE(tar.rc == 0, tar.out);
  Run zip = Sh("cd " + dir + "/tree && zip -qr ../app.zip app");
  REQUIRE_MESSAGE(zip.rc == 0, zip.out);
  return dir;
}

TEST_CASE("unarchive: tar.gz and zip, from the controller and on the host; then nothing to do") {
  REQUIRE_MESSAGE(geteuid() == 0, "lab tests need root");
  const Lab& lab = GetLab();
  std::string fixtures = MakeArchives(lab);
  std::string vars = "-e fixtures=" + fixtures;
  Run first = lab.Play("tests/modules/tools/unarchive.yml", vars);
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(RecapOf(first.out) == std::array<int, 7>{7, 6, 0, 0, 1, 0, 0});
  for (const char* d : {"tgz", "zip", "remote_tgz", "remote_zip"}) {
    INFO(d);
    CHECK(lab.On(std::string("cat /opt/") + d + "/app/README") == "tend unarchive test");
    CHECK(lab.On(std::string("stat -c %a /opt/") + d + "/app/bin/run.sh") == "755");
  }
  CHECK(lab.On("ls /tmp | grep -c tend-unarchive || true") == "0");  // staged copies removed

  Run second = lab.Play("tests/modules/tools/unarchive.yml", vars);
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out) == std::array<int, 7>{7, 0, 0, 0, 1, 0, 0});
  MESSAGE("unarchive playbook: first run ", first.seconds, " s, second (idempotent) run ",
          second.seconds, " s");
}

TEST_CASE("unarchive: an edited member is noticed (check mode first), then restored") {
  const Lab& lab = GetLab();
  std::string fixtures = MakeArchives(lab);
  lab.Play("tests/modules/tools/unarchive.yml", "-e fixtures=" + fixtures);
  for (const char* kind : {"tgz", "zip"}) {
    INFO(kind);
    std::string ext = std::string(kind) == "tgz" ? "tar.gz" : "zip";
    std::string args = "src=/root/app." + ext + " dest=/opt/remote_" + kind + " remote_src=yes";
    CHECK(Unchanged(lab.Adhoc("unarchive", args)));
    lab.On(std::string("echo edited > /opt/remote_") + kind + "/app/README");
    Run check = lab.Adhoc("unarchive", args, "--check");
    INFO(check.out);
    CHECK(Changed(check));
    CHECK(lab.On(std::string("cat /opt/remote_") + kind + "/app/README") == "edited");
    CHECK(Changed(lab.Adhoc("unarchive", args)));
    CHECK(lab.On(std::string("cat /opt/remote_") + kind + "/app/README") == "tend unarchive test");
    CHECK(Unchanged(lab.Adhoc("unarchive", args)));
  }
  Run missing = lab.Adhoc("unarchive", "src=/root/nope.tgz dest=/opt/tgz remote_src=yes");
  CHECK(missing.rc == 2);
  CHECK(missing.out.find("Source '/root/nope.tgz' does not exist") != std::string::npos);
}

// A bare repository on the host with two commits on main and the tag v1 on
// the first.
void MakeRepository(const Lab& lab) {
  Run made = lab.Ssh("root", lab.dir + "/id_ed25519",
                     "set -e; rm -rf /srv/git /root/work /srv/checkout; "
                     "git init -q --bare -b main /srv/git/app.git; "
                     "git init -q -b main /root/work; cd /root/work; "
                     "git config user.email t@example.org; git config user.name t; "
                     "echo one > f.txt; git add f.txt; git commit -qm one; git tag v1; "
                     "echo two > f.txt; git commit -qam two; "
                     "git remote add origin /srv/git/app.git; git push -q origin main v1");
  INFO(made.out);
  REQUIRE(made.rc == 0);
}

TEST_CASE("git: clone, update to a tag, unchanged runs, local modifications refused") {
  const Lab& lab = GetLab();
  MakeRepository(lab);
  std::string play = "tests/modules/tools/git.yml";
  Run clone = lab.Play(play);
  INFO(clone.out);
  CHECK(clone.rc == 0);
  CHECK(RecapOf(clone.out) == std::array<int, 7>{2, 1, 0, 0, 0, 0, 0});
  CHECK(lab.On("cat /srv/checkout/f.txt") == "two");
  CHECK(lab.On("git -C /srv/checkout remote get-url origin") == "file:///srv/git/app.git");
  Run again = lab.Play(play);
  CHECK(RecapOf(again.out) == std::array<int, 7>{2, 0, 0, 0, 0, 0, 0});

  Run tag = lab.Play(play, "-e version=v1");
  INFO(tag.out);
  CHECK(RecapOf(tag.out) == std::array<int, 7>{2, 1, 0, 0, 0, 0, 0});
  CHECK(lab.On("cat /srv/checkout/f.txt") == "one");
  CHECK(RecapOf(lab.Play(play, "-e version=v1").out) == std::array<int, 7>{2, 0, 0, 0, 0, 0, 0});
  std::string sha = lab.On("git -C /srv/checkout rev-parse HEAD");
  Run at_sha = lab.Adhoc("git", "repo=/srv/git/app.git dest=/srv/checkout version=" + sha);
  CHECK(Unchanged(at_sha));

  lab.On("echo dirty >> /srv/checkout/f.txt");
  Run refused = lab.Adhoc("git", "repo=/srv/git/app.git dest=/srv/checkout version=v1");
  INFO(refused.out);
  CHECK(refused.rc == 2);
  CHECK(refused.out.find("Local modifications exist in the destination: /srv/checkout "
                         "(force=no).") != std::string::npos);
  CHECK(Changed(lab.Adhoc("git", "repo=/srv/git/app.git dest=/srv/checkout version=v1 force=yes")));
  CHECK(lab.On("cat /srv/checkout/f.txt") == "one");

  // A new commit upstream: check mode reports it and leaves the checkout alone.
  lab.On("cd /root/work && echo three > f.txt && git commit -qam three && git push -q origin main");
  Run check = lab.Adhoc("git", "repo=/srv/git/app.git dest=/srv/checkout version=main", "--check");
  INFO(check.out);
  CHECK(Changed(check));
  CHECK(lab.On("cat /srv/checkout/f.txt") == "one");
  CHECK(Changed(lab.Adhoc("git", "repo=/srv/git/app.git dest=/srv/checkout version=main")));
  CHECK(lab.On("cat /srv/checkout/f.txt") == "three");
  Run idle = lab.Adhoc("git", "repo=/srv/git/app.git dest=/srv/checkout version=main");
  CHECK(Unchanged(idle));
  MESSAGE("idempotent git task (ad hoc, incl. ssh + agent start): ", idle.seconds, " s");
}

TEST_CASE("mount: fstab entry present/absent; a tmpfs mounted/unmounted where allowed") {
  const Lab& lab = GetLab();
  std::string fstab_before = lab.On("cat /etc/fstab");
  Run present = lab.Play("tests/modules/tools/mount.yml");
  INFO(present.out);
  CHECK(RecapOf(present.out) == std::array<int, 7>{2, 1, 0, 0, 0, 0, 0});
  CHECK(lab.On("tail -n 1 /etc/fstab") == "tmpfs /mnt/tend\\040data tmpfs size=1m,mode=0755 0 0");
  CHECK(lab.On("head -n -1 /etc/fstab") == fstab_before);
  CHECK(RecapOf(lab.Play("tests/modules/tools/mount.yml").out) ==
        std::array<int, 7>{2, 0, 0, 0, 0, 0, 0});
  Run absent = lab.Play("tests/modules/tools/mount.yml", "-e state=absent");
  CHECK(RecapOf(absent.out) == std::array<int, 7>{2, 1, 0, 0, 0, 0, 0});
  CHECK(lab.On("cat /etc/fstab") == fstab_before);
  CHECK(RecapOf(lab.Play("tests/modules/tools/mount.yml", "-e state=absent").out) ==
        std::array<int, 7>{2, 0, 0, 0, 0, 0, 0});

  std::string args = "path=/mnt/tend-tmp src=tmpfs fstype=tmpfs opts=size=1m";
  Run mounted = lab.Adhoc("mount", args + " state=mounted");
  if (mounted.out.find("Error mounting") != std::string::npos) {
    MESSAGE("tmpfs mounted/unmounted skipped: the lab container refuses mount(2): ", mounted.out);
    CHECK(lab.On("cat /etc/fstab") == fstab_before);  // the entry was taken back
    return;
  }
  INFO(mounted.out);
  CHECK(Changed(mounted));
  CHECK(lab.On("findmnt -n -o FSTYPE /mnt/tend-tmp") == "tmpfs");
  CHECK(Unchanged(lab.Adhoc("mount", args + " state=mounted")));
  CHECK(Changed(lab.Adhoc("mount", "path=/mnt/tend-tmp state=unmounted")));
  CHECK(lab.On("findmnt -n /mnt/tend-tmp || echo none") == "none");
  CHECK(Unchanged(lab.Adhoc("mount", "path=/mnt/tend-tmp state=unmounted")));
  CHECK(Changed(lab.Adhoc("mount", "path=/mnt/tend-tmp state=absent")));
  CHECK(lab.On("cat /etc/fstab") == fstab_before);
  CHECK(lab.On("test -e /mnt/tend-tmp || echo gone") == "gone");
}

TEST_CASE("debconf: set an answer, read it back with debconf-show, then nothing to do") {
  const Lab& lab = GetLab();
  // tzdata when the image has it, else debconf's own questions.
  bool tzdata = lab.On("debconf-show tzdata 2>/dev/null | grep -c tzdata/Areas || true") != "0";
  std::string package = tzdata ? "tzdata" : "debconf";
  std::string question = tzdata ? "tzdata/Areas" : "debconf/priority";
  std::string value = tzdata ? "Europe" : "critical";
  MESSAGE("debconf test uses ", package, " ", question);
  std::string args = "name=" + package + " question=" + question + " vtype=select value=";
  Run check = lab.Adhoc("debconf", args + value, "--check");
  INFO(check.out);
  bool already =
      lab.On("debconf-show " + package + " | grep \"" + question + ":\"").ends_with(": " + value);
  CHECK(Changed(check) != already);
  Run set = lab.Adhoc("debconf", args + value, "--diff");
  INFO(set.out);
  CHECK(set.rc == 0);
  CHECK(lab.On("debconf-show " + package + " | grep \"" + question + ":\"")
            .ends_with(question + ": " + value));
  CHECK(Unchanged(lab.Adhoc("debconf", args + value)));
  Run listing = lab.Adhoc("debconf", "name=" + package);
  CHECK(Unchanged(listing));
  CHECK(listing.out.find(question) != std::string::npos);

  if (Env("TEND_LAB_KEEP").empty()) Sh(lab.tend + " lab down --name " + kLab);
}

}  // namespace
