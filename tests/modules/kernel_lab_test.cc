// locale_gen, kernel_blacklist, modprobe and service_facts against a real
// systemd-booted lab host, driven through the built `tend` binary: playbooks
// from tests/modules/kernel/ and ad-hoc `tend run`. What the modules did is
// checked on the host itself over plain OpenSSH. The host is a container on
// the machine's kernel, so modprobe cannot load or unload anything there:
// those cases are skipped with a message, the rest of modprobe is tested.
#include <doctest/doctest.h>

#include <string>

#include "tests/support/lab_shell.h"

namespace {

using tend::labtest::Changed;
using tend::labtest::Lab;
using tend::labtest::RecapOf;
using tend::labtest::Run;
using tend::labtest::Unchanged;

constexpr const char* kDir = "tests/modules/kernel/";

const Lab& GetLab() {
  static Lab lab = tend::labtest::StartLab("kernel");
  return lab;
}

Run Play(const std::string& playbook, const std::string& extra = "") {
  return GetLab().Play(kDir + playbook, extra);
}

// {ok, changed, failed} of a play's recap, for compact checks.
std::array<int, 3> OkChangedFailed(const Run& run) {
  auto recap = RecapOf(run.out);
  return {recap[0], recap[1], recap[3]};
}

// The image may lack the `locales` package (it brings locale-gen,
// /etc/locale.gen and SUPPORTED).
void EnsureLocales(const Lab& lab) {
  std::string out =
      lab.EnsurePackage("test -x /usr/sbin/locale-gen && test -f /etc/locale.gen", "locales");
  INFO(out);
  REQUIRE(out.ends_with("rc=0"));
}

bool HasLocale(const Lab& lab, const std::string& glibc_name) {
  return lab.On("locale -a | grep -qx " + glibc_name + " && echo yes") == "yes";
}

TEST_CASE("locale_gen: present builds the locale, twice is unchanged, check mode, absent") {
  const Lab& lab = GetLab();
  EnsureLocales(lab);
  // Start from the stock state: de_DE not built.
  if (HasLocale(lab, "de_DE.utf8")) REQUIRE(Play("locale_absent.yml").rc == 0);
  REQUIRE_FALSE(HasLocale(lab, "de_DE.utf8"));

  Run check = Play("locale_present.yml", "--check");
  INFO(check.out);
  CHECK(check.rc == 0);
  CHECK(OkChangedFailed(check) == std::array<int, 3>{2, 1, 0});
  CHECK_FALSE(HasLocale(lab, "de_DE.utf8"));

  Run first = Play("locale_present.yml");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailed(first) == std::array<int, 3>{2, 1, 0});
  CHECK(HasLocale(lab, "de_DE.utf8"));
  CHECK(lab.On("grep -x \"de_DE.UTF-8 UTF-8\" /etc/locale.gen") == "de_DE.UTF-8 UTF-8");

  Run second = Play("locale_present.yml");
  INFO(second.out);
  CHECK(OkChangedFailed(second) == std::array<int, 3>{2, 0, 0});
  MESSAGE("locale_gen present, first run (locale-gen) ", first.seconds, " s; second run ",
          second.seconds, " s");

  Run absent = Play("locale_absent.yml");
  INFO(absent.out);
  CHECK(OkChangedFailed(absent) == std::array<int, 3>{1, 1, 0});
  CHECK_FALSE(HasLocale(lab, "de_DE.utf8"));
  CHECK(lab.On("grep -x \"# de_DE.UTF-8 UTF-8\" /etc/locale.gen") == "# de_DE.UTF-8 UTF-8");
  CHECK(OkChangedFailed(Play("locale_absent.yml")) == std::array<int, 3>{1, 0, 0});
}

TEST_CASE("locale_gen: an unknown locale fails clearly; a built-in C.UTF-8 is present") {
  const Lab& lab = GetLab();
  EnsureLocales(lab);
  Run bad = Play("locale_unavailable.yml");
  INFO(bad.out);
  CHECK(bad.rc == 0);
  CHECK(RecapOf(bad.out)[6] == 1);  // the ignored failure
  Run c = lab.Adhoc("locale_gen", "name=C.UTF-8");
  INFO(c.out);
  CHECK(Unchanged(c));
}

TEST_CASE("kernel_blacklist: creates the file, keeps other lines, absent, idempotent, diff") {
  const Lab& lab = GetLab();
  // As Ansible, the module creates the file but not its directory; the lab
  // image has no kmod, so no /etc/modprobe.d either.
  if (lab.On("test -d /etc/modprobe.d || echo missing") == "missing") {
    Run nodir = lab.Adhoc("kernel_blacklist", "name=tend_dummy");
    INFO(nodir.out);
    CHECK(nodir.rc == 2);
    CHECK(nodir.out.find("could not create a temporary file in /etc/modprobe.d: No such file or "
                         "directory") != std::string::npos);
  }
  lab.On(
      "mkdir -p /etc/modprobe.d; rm -f /etc/modprobe.d/blacklist-ansible.conf; "
      "printf \"# tend lab\\ninstall tend_other /bin/true\\n\" > /etc/modprobe.d/tend-custom.conf");

  Run first = Play("blacklist.yml", "--diff");
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailed(first) == std::array<int, 3>{3, 2, 0});
  CHECK(first.out.find("+        \"blacklist tend_other\"") != std::string::npos);
  CHECK(lab.On("cat /etc/modprobe.d/blacklist-ansible.conf") == "blacklist tend_dummy");
  CHECK(lab.On("stat -c %a /etc/modprobe.d/blacklist-ansible.conf") == "644");
  CHECK(lab.On("cat /etc/modprobe.d/tend-custom.conf") ==
        "# tend lab\ninstall tend_other /bin/true\nblacklist tend_other");

  Run second = Play("blacklist.yml");
  INFO(second.out);
  CHECK(OkChangedFailed(second) == std::array<int, 3>{3, 0, 0});

  Run check = Play("blacklist_absent.yml", "--check");
  CHECK(OkChangedFailed(check) == std::array<int, 3>{2, 1, 0});
  CHECK(lab.On("grep -c tend_other /etc/modprobe.d/tend-custom.conf") == "2");

  Run absent = Play("blacklist_absent.yml");
  INFO(absent.out);
  CHECK(OkChangedFailed(absent) == std::array<int, 3>{2, 1, 0});
  CHECK(lab.On("cat /etc/modprobe.d/tend-custom.conf") ==
        "# tend lab\ninstall tend_other /bin/true");
  CHECK(OkChangedFailed(Play("blacklist_absent.yml")) == std::array<int, 3>{2, 0, 0});
}

// Persistent files for `module`, which the host counts as loaded: present
// writes them (then nothing), absent comments them out (then nothing).
void CheckPersistence(const Lab& lab, const std::string& module) {
  lab.On("rm -f /etc/modules-load.d/" + module + ".conf /etc/modprobe.d/" + module + ".conf");
  std::string vars = "-e module=" + module;
  Run first = Play("modprobe_persistent.yml", vars);
  INFO(first.out);
  CHECK(first.rc == 0);
  CHECK(OkChangedFailed(first) == std::array<int, 3>{3, 1, 0});
  CHECK(lab.On("cat /etc/modules-load.d/" + module + ".conf") == module);
  CHECK(lab.On("cat /etc/modprobe.d/" + module + ".conf") == "options " + module + " tend_test=1");

  Run second = Play("modprobe_persistent.yml", vars);
  INFO(second.out);
  CHECK(OkChangedFailed(second) == std::array<int, 3>{3, 0, 0});

  Run off = Play("modprobe_unpersist.yml", vars);
  INFO(off.out);
  CHECK(OkChangedFailed(off) == std::array<int, 3>{1, 1, 0});
  CHECK(lab.On("cat /etc/modules-load.d/" + module + ".conf") == "#" + module);
  CHECK(lab.On("cat /etc/modprobe.d/" + module + ".conf") == "#options " + module + " tend_test=1");
  CHECK(OkChangedFailed(Play("modprobe_unpersist.yml", vars)) == std::array<int, 3>{1, 0, 0});
  lab.On("rm -f /etc/modules-load.d/" + module + ".conf /etc/modprobe.d/" + module + ".conf");
}

TEST_CASE("modprobe: loaded state from /proc/modules and modules.builtin, persistent files") {
  const Lab& lab = GetLab();
  MESSAGE(
      "modprobe: loading and unloading are not tested here: the lab host is a container on "
      "the machine's kernel (no CAP_SYS_MODULE), so modprobe cannot change what is loaded; "
      "the FakeHost tests cover load, unload and their check mode");
  std::string module = lab.On("head -n1 /proc/modules 2>/dev/null | cut -d\" \" -f1");
  if (module.empty()) {
    MESSAGE(
        "modprobe: the machine's kernel has no /proc/modules (no loadable modules), so a "
        "module already in /proc/modules cannot be tested; the built-in case stands in");
  } else {
    CheckPersistence(lab, module);
  }

  // The host's own modules.builtin for the running kernel, as Ansible reads
  // it, naming a module the lab pretends is built in.
  std::string dir = "/lib/modules/$(uname -r)";
  bool made = lab.On("test -e " + dir + "/modules.builtin || { mkdir -p " + dir +
                     " && echo kernel/drivers/tend/tend_builtin.ko > " + dir +
                     "/modules.builtin && echo made; }") == "made";
  if (!made) {
    MESSAGE("modprobe: this host has a real modules.builtin; the built-in case is skipped");
  } else {
    CheckPersistence(lab, "tend_builtin");
    lab.On("rm -rf " + dir);
  }

  // Neither loaded nor built in: absent is already true and needs no modprobe.
  Run absent = lab.Adhoc("modprobe", "name=tend_no_such_module state=absent");
  INFO(absent.out);
  CHECK(Unchanged(absent));
  if (lab.On("command -v modprobe || echo none") == "none") {
    Run load = lab.Adhoc("modprobe", "name=tend_no_such_module");
    INFO(load.out);
    CHECK(load.rc == 2);
    CHECK(load.out.find("could not run modprobe (is kmod installed?)") != std::string::npos);
  } else {
    MESSAGE("modprobe: kmod is installed in this lab host; the missing-modprobe case is skipped");
  }
}

TEST_CASE("service_facts: ssh.service is running and enabled under systemd") {
  const Lab& lab = GetLab();
  Run play = Play("services.yml");
  INFO(play.out);
  CHECK(play.rc == 0);
  CHECK(OkChangedFailed(play) == std::array<int, 3>{2, 0, 0});

  Run adhoc = lab.Adhoc("service_facts", "");
  INFO(adhoc.out);
  CHECK(Unchanged(adhoc));
  CHECK(adhoc.out.find("\"ssh.service\": {") != std::string::npos);
  CHECK(adhoc.out.find("\"source\": \"systemd\"") != std::string::npos);
  MESSAGE("service_facts: play (gather + assert) ", play.seconds, " s; ad-hoc run ", adhoc.seconds,
          " s");
}

// Ansible merges a module's ansible_facts into the host's facts. This fails
// until the executor does that for every module result (today only set_fact
// and gather_facts/setup reach the host's facts).
TEST_CASE("service_facts: the services reach the host's ansible_facts") {
  Run play = Play("services_hostfacts.yml");
  INFO(play.out);
  CHECK(play.rc == 0);
  CHECK(OkChangedFailed(play) == std::array<int, 3>{2, 0, 0});
}

}  // namespace
