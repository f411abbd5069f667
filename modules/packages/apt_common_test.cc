#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modules/framework/text.h"
#include "modules/packages/apt_common.h"
#include "modules/testing/fake_apt.h"
#include "modules/testing/test_support.h"

namespace tend {
namespace {

using namespace fake_apt_test;

std::string JoinArgvForTest(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

TEST_CASE("ParseDpkgStatus: fields, provides, multiarch, config-files, continuation lines") {
  auto packages = ParseDpkgStatus(kStatus);
  REQUIRE(packages.size() == 5);
  CHECK(packages[0].name == "bash");
  CHECK(packages[0].version == "5.2.15-2+b2");
  CHECK(packages[0].section == "shells");
  CHECK(packages[0].provides == std::vector<std::string>{"sh"});
  CHECK(packages[0].Installed());
  CHECK(packages[1].source == "mawk");
  CHECK(packages[4].state == "config-files");
  CHECK(packages[4].want == "deinstall");
  CHECK_FALSE(packages[4].Installed());
  CHECK(packages[4].Present());
  DpkgStatus status(packages);
  CHECK(status.Find("libc6").size() == 2);
  CHECK(status.Find("libc6", "i386").size() == 1);
  CHECK(status.ProvidedByInstalled("awk"));
  CHECK_FALSE(status.ProvidedByInstalled("tree"));
}

TEST_CASE("ParsePackagePin and VersionMatches (fnmatch, as Ansible)") {
  struct Case {
    const char* text;
    const char* name;
    const char* arch;
    const char* version;
  };
  for (const Case& c : {Case{"tree", "tree", "", ""}, Case{"nginx=1.22*", "nginx", "", "1.22*"},
                        Case{"libc6:i386", "libc6", "i386", ""},
                        Case{" jq:amd64=1.6-2.1 ", "jq", "amd64", "1.6-2.1"}}) {
    PackagePin pin = ParsePackagePin(c.text);
    CHECK(pin.name == c.name);
    CHECK(pin.arch == c.arch);
    CHECK(pin.version == c.version);
  }
  CHECK(ParsePackagePin("jq:amd64=1.6").AptArgument() == "jq:amd64=1.6");
  CHECK(VersionMatches("1.22.1-9", "1.22*"));
  CHECK(VersionMatches("1.22.1-9", "1.22.1-9"));
  CHECK_FALSE(VersionMatches("1.18.0-6", "1.22*"));
  CHECK_FALSE(VersionMatches("1.22.1-9", "1.22"));
}

TEST_CASE("ParseAptPolicy: installed, candidate, version table; unknown packages absent") {
  std::string out =
      "nginx:\n  Installed: (none)\n  Candidate: 1.22.1-9\n  Version table:\n"
      "     1.22.1-9 500\n        500 http://mirror.example/debian bookworm/main amd64 Packages\n"
      "     1.18.0-6 100\n        100 /var/lib/dpkg/status\n"
      "bash:\n  Installed: 5.2.15-2+b2\n  Candidate: 5.2.15-2+b2\n  Version table:\n"
      " *** 5.2.15-2+b2 500\n        500 http://mirror.example/debian bookworm/main amd64 Packages\n";
  auto policy = ParseAptPolicy(out);
  REQUIRE(policy.size() == 2);
  CHECK(policy["nginx"].installed.empty());
  CHECK(policy["nginx"].candidate == "1.22.1-9");
  CHECK(policy["nginx"].versions == std::vector<std::string>{"1.22.1-9", "1.18.0-6"});
  CHECK(policy["bash"].installed == "5.2.15-2+b2");
  CHECK(policy["bash"].versions == std::vector<std::string>{"5.2.15-2+b2"});
}

TEST_CASE("apt-get command lines as Ansible builds them") {
  AptOptions options;
  CHECK(JoinArgvForTest(AptInstallArgv(options, {"tree", "jq=1.6-2.1"}, false)) ==
        "apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "
        "install tree jq=1.6-2.1");
  options.install_recommends = false;
  options.default_release = "bookworm-backports";
  options.allow_downgrade = true;
  CHECK(JoinArgvForTest(AptInstallArgv(options, {"tree"}, true)) ==
        "apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "
        "--allow-downgrades -t bookworm-backports -o APT::Install-Recommends=no --simulate "
        "install tree");
  options = AptOptions{};
  options.dpkg_options = "force-confnew";
  options.purge = true;
  options.autoremove = true;
  CHECK(JoinArgvForTest(AptRemoveArgv(options, {"tree"}, false)) ==
        "apt-get -q -y -o Dpkg::Options::=--force-confnew --purge --auto-remove remove tree");
  CHECK(AptDidNothing("0 upgraded, 0 newly installed, 0 to remove and 3 not upgraded.\n"));
  CHECK_FALSE(AptDidNothing("0 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.\n"));
  CHECK_FALSE(AptDidNothing("0 upgraded, 0 newly installed, 1 to remove and 3 not upgraded.\n"));
}

TEST_CASE("OpenPGP: dearmor and fingerprint of Debian's bookworm release key") {
  std::string binary = Slurp("debian-archive-bookworm-stable.gpg");
  std::string armored = Slurp("debian-bookworm-stable.asc");
  REQUIRE(binary.size() == 280);
  auto dearmored = Dearmor(armored);
  REQUIRE(dearmored.has_value());
  // gpg --show-keys names this fingerprint.
  CHECK(KeyFingerprints(binary) == std::vector<std::string>{"4D64FEC119C2029067D6E791F8D2585B8783D481"});
  CHECK(KeyFingerprints(*dearmored) == KeyFingerprints(binary));
  CHECK(*Base64Decode("aGVsbG8=") == "hello");
}

}  // namespace
}  // namespace tend
