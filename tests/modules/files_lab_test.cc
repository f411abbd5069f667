// find, tempfile, assemble and ini_file against a real systemd-booted lab
// host, driven through the built `tend` binary: playbooks from
// tests/modules/files/ and ad-hoc `tend run`. What the modules did is checked
// on the host itself over plain OpenSSH. Every case works under its own
// directory below /srv/files-lab, which it recreates first.
#include <doctest/doctest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using tend::labtest::Changed;
using tend::labtest::Lab;
using tend::labtest::RecapOf;
using tend::labtest::Run;
using tend::labtest::Unchanged;

constexpr const char* kDir = "tests/modules/files/";

const Lab& GetLab() {
  static Lab lab = tend::labtest::StartLab("files");
  return lab;
}

Run Play(const std::string& playbook, const std::string& extra = "") {
  return GetLab().Play(kDir + playbook, extra);
}

// {ok, changed, failed, skipped} of a play's recap, for compact checks.
std::array<int, 4> OkChangedFailedSkipped(const Run& run) {
  auto recap = RecapOf(run.out);
  return {recap[0], recap[1], recap[3], recap[4]};
}

std::string Base64(std::string_view data) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < data.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(data[i]) << 16;
    if (i + 1 < data.size()) n |= static_cast<uint8_t>(data[i + 1]) << 8;
    if (i + 2 < data.size()) n |= static_cast<uint8_t>(data[i + 2]);
    for (size_t k = 0; k < 4; ++k) {
      out += i + k <= data.size() ? kAlphabet[(n >> (18 - 6 * k)) & 63] : '=';
    }
  }
  return out;
}

// Lab::On puts the command in single quotes; a script with quotes of its own
// travels base64-encoded and runs under sh on the host.
std::string Script(const Lab& lab, const std::string& script) {
  return lab.On("echo " + Base64(script) + " | base64 -d | sh");
}

// A fresh, empty /srv/files-lab/<name> on the host.
void FreshDir(const Lab& lab, const std::string& name) {
  std::string dir = "/srv/files-lab/" + name;
  REQUIRE(lab.On("rm -rf " + dir + " && mkdir -p " + dir + " && echo ok") == "ok");
}

TEST_CASE("ini_file: check mode touches nothing, first run writes, second changes nothing") {
  const Lab& lab = GetLab();
  FreshDir(lab, "ini");
  const std::string file = "/srv/files-lab/ini/app.ini";

  Run check = Play("ini.yml", "--check");
  INFO(check.out);
  CHECK(check.rc == 0);
  CHECK(OkChangedFailedSkipped(check) == std::array<int, 4>{5, 4, 0, 0});
  CHECK(lab.On("test -e " + file + " || echo absent") == "absent");

  Run first = Play("ini.yml");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailedSkipped(first) == std::array<int, 4>{5, 4, 0, 0});
  // Byte for byte what community.general.ini_file writes for these tasks.
  CHECK(lab.On("cat " + file) ==
        "debug = false\n\n[main]\nport = 8080\n[mirrors]\nurl=a\nurl=b\n[mysqld]\n"
        "skip-name-resolve");
  CHECK(lab.On("stat -c %a " + file) == "640");

  Run second = Play("ini.yml");
  INFO(second.out);
  CHECK(OkChangedFailedSkipped(second) == std::array<int, 4>{5, 0, 0, 0});

  // A new port in check and diff mode: reported with its diff, not written.
  Run diff = Play("ini.yml", "--check --diff -e ini_port=9090");
  INFO(diff.out);
  CHECK(OkChangedFailedSkipped(diff) == std::array<int, 4>{5, 1, 0, 0});
  CHECK(diff.out.find("-port = 8080") != std::string::npos);
  CHECK(diff.out.find("+port = 9090") != std::string::npos);
  CHECK(lab.On("grep port " + file) == "port = 8080");

  Run removed = lab.Adhoc("ini_file", "path=" + file + " section=main option=port state=absent");
  INFO(removed.out);
  CHECK(Changed(removed));
  CHECK(lab.On("grep -c port " + file + " || true") == "0");
  Run again = lab.Adhoc("ini_file", "path=" + file + " section=main option=port state=absent");
  INFO(again.out);
  CHECK(Unchanged(again));

  Run missing = lab.Adhoc("ini_file",
                          "path=/srv/files-lab/ini/none.ini section=a option=b "
                          "value=c create=false");
  INFO(missing.out);
  CHECK(missing.rc == 2);
  CHECK(missing.out.find("Destination /srv/files-lab/ini/none.ini does not exist!") !=
        std::string::npos);
  MESSAGE("ini_file play: first run ", first.seconds, " s, second run ", second.seconds, " s");
}

TEST_CASE("assemble: fragments on the host, idempotent, backup, validate, check mode") {
  const Lab& lab = GetLab();
  FreshDir(lab, "asm");
  REQUIRE(Script(lab,
                 "cd /srv/files-lab/asm && mkdir -p frags/subdir && printf 'a1\\n' > frags/10-a "
                 "&& printf 'b1' > frags/20-b && printf 'hidden\\n' > frags/.x && echo ok") ==
          "ok");
  const std::string dest = "/srv/files-lab/asm/app.conf";

  Run check = Play("assemble.yml", "--check");
  INFO(check.out);
  CHECK(check.rc == 0);
  CHECK(OkChangedFailedSkipped(check) == std::array<int, 4>{2, 1, 0, 0});
  CHECK(lab.On("test -e " + dest + " || echo absent") == "absent");

  Run first = Play("assemble.yml");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailedSkipped(first) == std::array<int, 4>{2, 1, 0, 0});
  CHECK(Script(lab, "cat " + dest + "; echo '|'") == "a1\n### fragment\nb1|");
  CHECK(lab.On("stat -c %a " + dest) == "600");

  Run second = Play("assemble.yml");
  INFO(second.out);
  CHECK(OkChangedFailedSkipped(second) == std::array<int, 4>{2, 0, 0, 0});

  // A new fragment: the file is rebuilt and the old one kept as a backup.
  Script(lab, "printf 'c1\\n' > /srv/files-lab/asm/frags/30-c");
  Run third = Play("assemble.yml");
  INFO(third.out);
  CHECK(OkChangedFailedSkipped(third) == std::array<int, 4>{2, 1, 0, 0});
  CHECK(lab.On("cat " + dest) == "a1\n### fragment\nb1\n### fragment\nc1");
  CHECK(Script(lab, "ls /srv/files-lab/asm | grep -c '^app.conf\\..*~$'") == "1");

  Run invalid = lab.Adhoc("assemble",
                          "src=/srv/files-lab/asm/frags dest=/srv/files-lab/asm/v.conf "
                          "validate=\"grep -q nothing-like-this %s\"");
  INFO(invalid.out);
  CHECK(invalid.rc == 2);
  CHECK(invalid.out.find("failed to validate: rc:1") != std::string::npos);
  CHECK(lab.On("test -e /srv/files-lab/asm/v.conf || echo absent") == "absent");
  Run valid = lab.Adhoc("assemble",
                        "src=/srv/files-lab/asm/frags dest=/srv/files-lab/asm/v.conf "
                        "validate=\"grep -q c1 %s\"");
  INFO(valid.out);
  CHECK(Changed(valid));
  CHECK(Unchanged(
      lab.Adhoc("assemble", "src=/srv/files-lab/asm/frags dest=/srv/files-lab/asm/v.conf")));
  CHECK(lab.On("ls -A /srv/files-lab/asm | grep -c tend-validate || true") == "0");

  Run no_src = lab.Adhoc("assemble", "src=/srv/files-lab/asm/none dest=/srv/files-lab/asm/x");
  INFO(no_src.out);
  CHECK(no_src.out.find("Source (/srv/files-lab/asm/none) does not exist") != std::string::npos);
}

TEST_CASE("find: selects by age, size, regex, content; never changes the host") {
  const Lab& lab = GetLab();
  FreshDir(lab, "tree");
  REQUIRE(Script(lab,
                 "cd /srv/files-lab/tree && mkdir sub && echo new > new.log && "
                 "echo old > sub/old.log && touch -d '3 days ago' sub/old.log && "
                 "head -c 2048 /dev/zero > big.bin && printf 'ERROR x\\n' > sub/err.txt && "
                 "echo dot > .dot && echo ok") == "ok");
  const std::string listing = "find /srv/files-lab/tree -printf '%p %s %T@\\n' | sort | md5sum";
  std::string before = Script(lab, listing);

  Run first = Play("find.yml");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailedSkipped(first) == std::array<int, 4>{6, 0, 0, 0});

  Run check = Play("find.yml", "--check");
  INFO(check.out);
  CHECK(OkChangedFailedSkipped(check) == std::array<int, 4>{6, 0, 0, 0});
  CHECK(Script(lab, listing) == before);

  Run adhoc = lab.Adhoc("find", "paths=/srv/files-lab/tree patterns=*.txt,*.log recurse=yes");
  INFO(adhoc.out);
  CHECK(Unchanged(adhoc));
  CHECK(adhoc.out.find("\"matched\": 3") != std::string::npos);

  Run bad = lab.Adhoc("find", "paths=/srv/files-lab/tree age=3x");
  INFO(bad.out);
  CHECK(bad.rc == 2);
  CHECK(bad.out.find("failed to process age") != std::string::npos);
}

TEST_CASE("tempfile: a 0600 file and a 0700 directory each run; check mode skips") {
  const Lab& lab = GetLab();
  FreshDir(lab, "tmp");
  lab.On("rm -f /srv/files-lab/tmp-names");

  Run check = Play("tempfile.yml", "--check");
  INFO(check.out);
  CHECK(check.rc == 0);
  CHECK(OkChangedFailedSkipped(check) == std::array<int, 4>{0, 0, 0, 3});
  CHECK(lab.On("ls -A /srv/files-lab/tmp | wc -l") == "0");

  Run first = Play("tempfile.yml");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailedSkipped(first) == std::array<int, 4>{3, 3, 0, 0});
  std::string names = lab.On("cat /srv/files-lab/tmp-names");
  INFO(names);
  CHECK(std::regex_match(names, std::regex(R"(/srv/files-lab/tmp/ansible\.[a-z0-9_]{8}\.txt)"
                                           R"(\n/srv/files-lab/tmp/build\.[a-z0-9_]{8})")));
  CHECK(Script(lab, "stat -c '%a %F %U' $(cat /srv/files-lab/tmp-names)") ==
        "600 regular empty file root\n700 directory root");

  // Every run makes new ones, as Ansible's tempfile does.
  Run second = Play("tempfile.yml");
  CHECK(OkChangedFailedSkipped(second) == std::array<int, 4>{3, 3, 0, 0});
  CHECK(lab.On("ls /srv/files-lab/tmp | wc -l") == "4");

  Run adhoc = lab.Adhoc("tempfile", "path=/srv/files-lab/tmp prefix=adhoc.");
  INFO(adhoc.out);
  CHECK(Changed(adhoc));
  CHECK(adhoc.out.find("\"path\": \"/srv/files-lab/tmp/adhoc.") != std::string::npos);
  Run nowhere = lab.Adhoc("tempfile", "path=/srv/files-lab/none");
  INFO(nowhere.out);
  CHECK(nowhere.rc == 2);
  CHECK(nowhere.out.find("No such file or directory") != std::string::npos);
}

TEST_CASE("copy tree, local assemble and fetch: the controller's half of each action") {
  const Lab& lab = GetLab();
  FreshDir(lab, "transfer");
  std::string local = "/tmp/tend-files-lab-fetch";
  std::filesystem::remove_all(local);
  std::string vars = "-e fetch_dest=" + local;

  Run check = Play("transfer.yml", "--check " + vars);
  INFO(check.out);
  CHECK(check.rc == 0);
  CHECK(OkChangedFailedSkipped(check) == std::array<int, 4>{3, 3, 0, 2});
  CHECK(lab.On("ls -A /srv/files-lab/transfer | wc -l") == "0");
  CHECK_FALSE(std::filesystem::exists(local + "/flat"));

  Run first = Play("transfer.yml", vars);
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailedSkipped(first) == std::array<int, 4>{5, 5, 0, 0});
  CHECK(lab.On("cd /srv/files-lab/transfer && find site flat -printf \"%p %m\\n\" | sort") ==
        "flat 755\nflat/css 755\nflat/css/main.css 644\nflat/index.html 644\n"
        "site 750\nsite/css 750\nsite/css/main.css 640\nsite/index.html 640");
  CHECK(lab.On("cat /srv/files-lab/transfer/app.conf") == "workers = 4\n# --\nlog = info");
  std::string host = lab.On("hostname");
  std::string inventory_name = "node1";
  CHECK(tend::labtest::Slurp(local + "/" + inventory_name + "/srv/files-lab/transfer/app.conf") ==
        "workers = 4\n# --\nlog = info\n");
  CHECK(tend::labtest::Trim(tend::labtest::Slurp(local + "/flat/hostname")) == host);

  Run second = Play("transfer.yml", vars);
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(OkChangedFailedSkipped(second) == std::array<int, 4>{5, 0, 0, 0});

  // A changed host file is fetched again; a missing one fails by name.
  lab.On("echo extra = 1 >> /srv/files-lab/transfer/flat/index.html");
  Run refetch = lab.Adhoc("fetch", "src=/srv/files-lab/transfer/flat/index.html dest=" + local);
  CHECK(Changed(refetch));
  CHECK(tend::labtest::Slurp(local + "/" + inventory_name + "/srv/files-lab/transfer/flat/index.html") ==
        "<h1>tend</h1>\nextra = 1\n");
  Run missing = lab.Adhoc("fetch", "src=/srv/files-lab/nope dest=" + local);
  CHECK(missing.out.find("the remote file does not exist, not transferring, ignored") !=
        std::string::npos);
  std::filesystem::remove_all(local);
}

TEST_CASE("files lab: clean up") {
  const Lab& lab = GetLab();
  lab.On("rm -rf /srv/files-lab");
  if (tend::labtest::Env("TEND_LAB_KEEP").empty()) {
    tend::labtest::Sh(lab.tend + " lab down --name " + lab.name);
  }
}

}  // namespace
