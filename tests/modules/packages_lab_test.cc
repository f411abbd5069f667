// The apt family (apt, package, apt_repository, deb822_repository, apt_key,
// dpkg_selections, package_facts) against a real lab host with real apt and
// the Debian mirror, driven through the built `tend` binary: playbooks from
// tests/modules/packages/ and ad-hoc `tend run`. What the modules did is
// checked on the host itself over plain OpenSSH.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/lab_shell.h"

namespace {

using namespace tend::labtest;

constexpr const char* kLab = "packages";
constexpr const char* kTenPackages = "bash,coreutils,dpkg,apt,tar,gzip,sed,grep,findutils,login";

const Lab& GetLab() {
  static Lab lab = StartLab(kLab, "tests/modules/packages");
  return lab;
}

}  // namespace

TEST_CASE("apt installs a real package with a cache update; the second run changes nothing") {
  const Lab& lab = GetLab();
  Run first = lab.Play("install.yml");
  INFO(first.out);
  REQUIRE(first.rc == 0);
  CHECK(RecapOf(first.out)[1] == 1);
  CHECK(lab.On("dpkg-query -W -f=\\${Status} tree") == "install ok installed");
  Run second = lab.Play("install.yml");
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out)[1] == 0);
}

TEST_CASE("apt check mode reports the install and installs nothing; unknown packages fail") {
  const Lab& lab = GetLab();
  Run check = lab.Play("check.yml", "--check");
  INFO(check.out);
  CHECK(check.rc == 0);
  CHECK(RecapOf(check.out)[1] == 1);
  CHECK(lab.On("dpkg-query -W -f=\\${Status} jq").find("install ok installed") ==
        std::string::npos);
  Run unknown = lab.Adhoc("apt", "name=no-such-package-tend");
  INFO(unknown.out);
  CHECK(unknown.rc == 2);
  CHECK(unknown.out.find("No package matching 'no-such-package-tend' is available") !=
        std::string::npos);
}

TEST_CASE("apt over ten installed packages answers idempotently in milliseconds") {
  const Lab& lab = GetLab();
  Run adhoc = lab.Adhoc("apt", std::string("name=") + kTenPackages);
  INFO(adhoc.out);
  REQUIRE(adhoc.rc == 0);
  CHECK(adhoc.out.find("\"changed\": false") != std::string::npos);
  // The agent alone on the host: 20 runs of the module, timed there.
  std::string json = std::string("{\"name\":[\"") +
                     std::regex_replace(kTenPackages, std::regex(","), "\",\"") + "\"]}";
  Run local = lab.Ssh("root", lab.dir + "/id_ed25519",
      "a=$(ls -1 ~/.cache/tend/agent-* | head -1); s=$(date +%s%N); for i in $(seq 20); do "
      "$a run apt '\\''" + json + "'\\'' >/dev/null || exit 1; done; e=$(date +%s%N); "
      "echo $(( (e - s) / 20000 ))");
  INFO(local.out);
  REQUIRE(local.rc == 0);
  double per_run_us = std::stod(Trim(local.out));
  Run many = lab.Play("bench.yml");
  REQUIRE(many.rc == 0);
  CHECK(RecapOf(many.out)[1] == 0);
  Run pings = lab.Play("bench.yml", "-e bench_module=ping");
  REQUIRE(pings.rc == 0);
  double per_task_ms = (many.seconds - pings.seconds) / 50.0 * 1000;
  MESSAGE("idempotent apt name=[10 installed]: tend-agent run on the host ", per_run_us / 1000,
          " ms per run (process start included); ad-hoc incl. ssh + agent start ", adhoc.seconds,
          " s; in a playbook ", per_task_ms, " ms more per task than ping (50 loops: ",
          many.seconds, " s vs ", pings.seconds, " s)");
  CHECK(per_run_us < 50000);
}

TEST_CASE("repositories, keys, selections and facts on the real host") {
  const Lab& lab = GetLab();
  // The repositories point at the mirror this machine's apt uses.
  const std::string mirror = MachineDebianMirror();
  const std::string vars = "-e debian_mirror=" + mirror;
  Run first = lab.Play("repos.yml", vars);
  INFO(first.out);
  REQUIRE(first.rc == 0);
  CHECK(lab.On("cat /etc/apt/sources.list.d/tend-backports.list") ==
        "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] " + mirror +
            " bookworm-backports main");
  CHECK(lab.On("cat /etc/apt/sources.list.d/tend-updates.sources") ==
        "X-Repolib-Name: tend updates\nTypes: deb\nURIs: " + mirror +
            "\nSuites: bookworm-updates\nComponents: main\n"
        "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg");
  CHECK(lab.On("stat -c %a /etc/apt/sources.list.d/tend-updates.sources") == "644");
  CHECK(lab.On("apt-cache policy | grep -c bookworm-backports") != "0");
  CHECK(lab.On("cmp /etc/apt/keyrings/tend-debian.gpg "
               "/usr/share/keyrings/debian-archive-bookworm-stable.gpg && echo same") == "same");
  CHECK(lab.On("dpkg --get-selections tree").find("hold") != std::string::npos);
  Run second = lab.Play("repos.yml", vars);
  INFO(second.out);
  CHECK(second.rc == 0);
  CHECK(RecapOf(second.out)[1] == 0);
  Run removed = lab.Play("repos.yml", vars + " -e state=absent");
  INFO(removed.out);
  CHECK(removed.rc == 0);
  CHECK(RecapOf(removed.out)[1] == 2);
  // debian.sources is the lab image's own deb822 source and stays.
  CHECK(lab.On("ls /etc/apt/sources.list.d/").find("tend-backports") ==
        std::string::npos);
  CHECK(lab.On("ls /etc/apt/sources.list.d/").find("tend-updates") == std::string::npos);
  Run facts = lab.Play("facts.yml");
  INFO(facts.out);
  CHECK(facts.rc == 0);
  CHECK(RecapOf(facts.out)[3] == 0);
}

TEST_CASE("apt removes the package; the second removal changes nothing") {
  const Lab& lab = GetLab();
  REQUIRE(lab.Adhoc("dpkg_selections", "name=tree selection=install").rc == 0);
  Run first = lab.Play("remove.yml");
  INFO(first.out);
  REQUIRE(first.rc == 0);
  CHECK(RecapOf(first.out)[1] == 1);
  CHECK(lab.On("dpkg-query -W -f=\\${Status} tree").find("install ok installed") ==
        std::string::npos);
  Run second = lab.Play("remove.yml");
  CHECK(RecapOf(second.out)[1] == 0);
}

TEST_CASE("a misspelt argument is rejected before connecting, with a suggestion") {
  const Lab& lab = GetLab();
  Run adhoc = lab.Adhoc("apt", "name=tree update_cach=yes");
  INFO(adhoc.out);
  CHECK(adhoc.rc != 0);
  CHECK(adhoc.out.find("update_cache") != std::string::npos);
  Run play = lab.Play("bad_arg.yml");
  INFO(play.out);
  CHECK(play.rc != 0);
  CHECK(play.out.find("update_cache") != std::string::npos);
  CHECK(play.out.find("bad_arg.yml") != std::string::npos);
}
