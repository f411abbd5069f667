#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modules/apt_common.h"
#include "modules/test_support.h"
#include "modules/text.h"

namespace tend {
namespace {

constexpr const char* kStatus =
    "Package: bash\n"
    "Essential: yes\n"
    "Status: install ok installed\n"
    "Priority: required\n"
    "Section: shells\n"
    "Architecture: amd64\n"
    "Version: 5.2.15-2+b2\n"
    "Provides: sh (= 5.2)\n"
    "Description: GNU Bourne Again SHell\n"
    " Bash is an sh-compatible command language interpreter.\n"
    " .\n"
    " Status: not a field\n"
    "\n"
    "Package: mawk\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Source: mawk (1.3.4)\n"
    "Version: 1.3.4.20200120-3.1\n"
    "Provides: awk\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Architecture: amd64\n"
    "Version: 2.36-9+deb12u4\n"
    "\n"
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Architecture: i386\n"
    "Version: 2.36-9+deb12u4\n"
    "\n"
    "Package: oldconf\n"
    "Status: deinstall ok config-files\n"
    "Architecture: amd64\n"
    "Version: 1.0-1\n";

std::string Slurp(const std::string& relative) {
  const char* source = std::getenv("TEND_SOURCE_DIR");
  std::ifstream in(std::string(source ? source : ".") + "/modules/testdata/packages/" + relative,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A package archive the fake apt knows: name -> versions, highest first.
const std::map<std::string, std::vector<std::string>> kArchive{
    {"bash", {"5.2.15-2+b7", "5.2.15-2+b2"}},
    {"tree", {"2.1.0-1"}},
    {"jq", {"1.6-2.1"}},
    {"nginx", {"1.22.1-9", "1.18.0-6"}},
    {"awk", {}},
    {"sh", {"1.0-1"}},  // a real package that the installed bash also provides
};

// Stands in for apt-get, apt-cache and dpkg: reads and rewrites the fake
// /var/lib/dpkg/status the way the real tools would.
struct FakeApt {
  int lock_busy = 0;  // answers "Could not get lock" this many times

  static std::string Stanza(const std::string& name, const std::string& status,
                            const std::string& version, const std::string& arch = "amd64") {
    return fmt::format("Package: {}\nStatus: {}\nArchitecture: {}\nVersion: {}\n", name, status,
                       arch, version);
  }

  static void Rewrite(FakeHost& host, const std::string& name, const std::string& stanza) {
    std::string out;
    for (const auto& pkg : ParseDpkgStatus(host.Content(kDpkgStatusPath))) {
      if (pkg.name == name && pkg.arch == "amd64") continue;
      out += Stanza(pkg.name, pkg.want + " ok " + pkg.state, pkg.version, pkg.arch);
      // Keep what the package provides: the virtual-package checks read it.
      if (!pkg.provides.empty()) out += "Provides: " + fmt::format("{}", fmt::join(pkg.provides, ", ")) + "\n";
      out += "\n";
    }
    if (!stanza.empty()) out += stanza + "\n";
    host.AddFile(kDpkgStatusPath, out);
  }

  ProcessResult Policy(const std::vector<std::string>& argv, FakeHost& host) {
    DpkgStatus status(ParseDpkgStatus(host.Content(kDpkgStatusPath)));
    std::string out;
    for (size_t i = argv.size() - 1; i > 0 && argv[i] != "policy"; --i) {
      auto known = kArchive.find(argv[i]);
      if (known == kArchive.end()) continue;
      auto found = status.Find(argv[i], "amd64");
      std::string installed = found.empty() || !found[0]->Installed() ? "(none)" : found[0]->version;
      std::string candidate = known->second.empty() ? "(none)" : known->second.front();
      out += fmt::format("{}:\n  Installed: {}\n  Candidate: {}\n  Version table:\n", argv[i],
                         installed, candidate);
      for (const auto& v : known->second) {
        out += fmt::format(" {} {} 500\n        500 http://mirror.example/debian bookworm/main amd64 Packages\n",
                           v == installed ? "***" : "   ", v);
      }
    }
    return {0, out, ""};
  }

  ProcessResult AptGet(const std::vector<std::string>& argv, FakeHost& host) {
    if (lock_busy > 0) {
      --lock_busy;
      return {100, "", "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 42 (apt-get)\n"};
    }
    bool simulate = std::find(argv.begin(), argv.end(), "--simulate") != argv.end();
    bool purge = std::find(argv.begin(), argv.end(), "--purge") != argv.end();
    size_t verb = 1;
    while (verb < argv.size() && (argv[verb].starts_with('-') || argv[verb - 1] == "-o" ||
                                  argv[verb - 1] == "-t")) {
      ++verb;
    }
    if (argv[verb] == "update") {
      host.AddFile(kAptUpdateStampPath, "");
      host.SetTimes(kAptUpdateStampPath, host.NowMicros() / 1000000, host.NowMicros() / 1000000);
      return {0, "Hit:1 http://mirror.example/debian bookworm InRelease\n", ""};
    }
    std::string out;
    int count = 0;
    for (size_t i = verb + 1; i < argv.size(); ++i) {
      PackagePin pin = ParsePackagePin(argv[i]);
      ++count;
      if (argv[verb] == "remove") {
        out += fmt::format("Remov {}\n", pin.name);
        if (!simulate) Rewrite(host, pin.name, purge ? "" : Stanza(pin.name, "deinstall ok config-files", "1"));
        continue;
      }
      std::string version = pin.version.empty() ? kArchive.at(pin.name).front() : pin.version;
      out += fmt::format("Inst {} ({})\n", pin.name, version);
      if (!simulate) Rewrite(host, pin.name, Stanza(pin.name, "install ok installed", version));
    }
    out += argv[verb] == "remove"
               ? fmt::format("0 upgraded, 0 newly installed, {} to remove and 0 not upgraded.\n", count)
               : fmt::format("0 upgraded, {} newly installed, 0 to remove and 0 not upgraded.\n", count);
    return {0, out, ""};
  }

  ProcessResult operator()(const ProcessSpec& spec, FakeHost& host) {
    const auto& argv = spec.argv;
    if (argv[0] == "apt-cache") return Policy(argv, host);
    if (argv[0] == "apt-get") {
      CHECK(spec.env.at("DEBIAN_FRONTEND") == "noninteractive");
      return AptGet(argv, host);
    }
    if (argv[0] == "dpkg" && argv[1] == "--set-selections") {
      std::istringstream in(*spec.stdin_data);
      std::string name, selection;
      in >> name >> selection;
      for (const auto& pkg : ParseDpkgStatus(host.Content(kDpkgStatusPath))) {
        if (pkg.name == name) Rewrite(host, name, Stanza(name, selection + " ok " + pkg.state, pkg.version));
      }
      return {};
    }
    return {};  // sleep
  }
};

FakeHost AptHost(FakeApt apt = {}) {
  FakeHost host = MakeHost();
  host.AddFile(kDpkgStatusPath, kStatus);
  host.AddDirectory(kAptListsPath);
  host.OnRun([apt](const ProcessSpec& spec, FakeHost& h) mutable { return apt(spec, h); });
  host.ClearRecords();
  return host;
}

std::string JoinArgvForTest(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

bool RanAptGet(const FakeHost& host) {
  return std::any_of(host.commands().begin(), host.commands().end(),
                     [](const std::string& c) { return c.starts_with("apt-get"); });
}

}  // namespace

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

TEST_CASE("cache_valid_time: success stamp first, else the lists directory") {
  FakeHost host = AptHost();
  host.SetTimes(kAptListsPath, 1000, 1000);
  CHECK(AptCacheTime(host) == 1000);
  host.AddFile(kAptUpdateStampPath, "");
  host.SetTimes(kAptUpdateStampPath, 5000, 5000);
  CHECK(AptCacheTime(host) == 5000);
  CHECK(AptCacheFresh(5000, 3600, 8600));
  CHECK_FALSE(AptCacheFresh(5000, 3600, 8601));
  CHECK_FALSE(AptCacheFresh(5000, 0, 5001));
}

TEST_CASE("apt: installs only what is missing; a second run starts no process for real names") {
  FakeHost host = AptHost();
  Task task{host, "apt", {{"name", Json::array({"bash", "tree", "jq", "awk", "libc6:i386"})}}};
  task.diff = true;
  Json first = task.Run();
  REQUIRE_MESSAGE(first["failed"] != true, first.dump());
  CHECK(first["changed"] == true);
  CHECK(first["cache_updated"] == false);
  CHECK(host.commands() ==
        std::vector<std::string>{"apt-cache policy awk", "apt-cache policy tree jq",
                                 "apt-get -y -o Dpkg::Options::=--force-confdef -o "
                                 "Dpkg::Options::=--force-confold install tree jq"});
  CHECK(first["diff"]["prepared"].get<std::string>().find("Inst tree (2.1.0-1)") != std::string::npos);
  CHECK(first["stdout"].get<std::string>().find("2 newly installed") != std::string::npos);
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  // Only the name that nothing installs under its own name (awk) is asked
  // about: apt-cache tells a purely virtual package from a real one.
  CHECK(host.commands() == std::vector<std::string>{"apt-cache policy awk"});
  CHECK(host.changes().empty());
  host.ClearRecords();
  CHECK(Task{host, "apt", {{"name", Json::array({"bash", "tree", "jq"})}}}.Run()["changed"] == false);
  CHECK(host.commands().empty());
}

TEST_CASE("apt: a real package is installed even when an installed one provides its name") {
  FakeHost host = AptHost();
  Json result = Task{host, "apt", {{"name", "sh"}}}.Run();
  CHECK(result["changed"] == true);
  CHECK(host.commands().back().ends_with("install sh"));
}

TEST_CASE("apt: check mode simulates and installs nothing") {
  FakeHost host = AptHost();
  Task task{host, "apt", {{"name", "tree"}}, true};
  Json result = task.Run();
  CHECK(result["changed"] == true);
  CHECK(host.commands().back().find("--simulate install tree") != std::string::npos);
  CHECK(host.changes().empty());
  CHECK(host.Content(kDpkgStatusPath) == kStatus);
}

TEST_CASE("apt: an unknown package fails with Ansible's message and runs no apt-get") {
  FakeHost host = AptHost();
  Json result = Task{host, "apt", {{"name", Json::array({"tree", "no-such-pkg"})}}}.Run();
  CHECK(result["failed"] == true);
  CHECK(result["msg"] == "No package matching 'no-such-pkg' is available");
  CHECK_FALSE(RanAptGet(host));
}

TEST_CASE("apt: a wildcard pin resolves to the highest matching version; installed pins hold") {
  FakeHost host = AptHost();
  Json result = Task{host, "apt", {{"name", "nginx=1.18*"}}}.Run();
  CHECK(result["changed"] == true);
  CHECK(host.commands().back().ends_with("install nginx=1.18.0-6"));
  host.ClearRecords();
  CHECK(Task{host, "apt", {{"name", "nginx=1.18*"}}}.Run()["changed"] == false);
  CHECK(host.commands().empty());
  // A different pin than the one installed is work to do.
  CHECK(Task{host, "apt", {{"name", "nginx=1.22*"}, {"allow_downgrade", true}}}.Run()["changed"] == true);
  CHECK(host.commands().back().ends_with("install nginx=1.22.1-9"));
}

TEST_CASE("apt: state=latest upgrades only packages behind their candidate") {
  FakeHost host = AptHost();
  Task task{host, "apt", {{"name", Json::array({"bash", "jq"})}, {"state", "latest"}}};
  Json first = task.Run();
  CHECK(first["changed"] == true);
  CHECK(host.commands().back().ends_with("install bash jq"));
  host.ClearRecords();
  Json second = task.Run();
  CHECK(second["changed"] == false);
  CHECK_FALSE(RanAptGet(host));
}

TEST_CASE("apt: absent removes installed packages; purge also clears config-files") {
  FakeHost host = AptHost();
  Task remove{host, "apt", {{"name", Json::array({"mawk", "tree", "oldconf"})}, {"state", "absent"}}};
  CheckCheckMode(remove);
  Json first = remove.Run();
  CHECK(first["changed"] == true);
  CHECK(host.commands().back() ==
        "apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "
        "remove mawk");
  host.ClearRecords();
  CHECK(remove.Run()["changed"] == false);
  CHECK(host.commands().empty());
  remove.args["purge"] = true;
  CHECK(remove.Run()["changed"] == true);
  CHECK(host.commands().back().ends_with("--purge remove mawk oldconf"));
}

TEST_CASE("apt: update_cache honours cache_valid_time; only update reports changed") {
  FakeHost host = AptHost();
  host.AddFile(kAptUpdateStampPath, "");
  host.SetTimes(kAptUpdateStampPath, 1700000000 - 100, 1700000000 - 100);
  host.ClearRecords();
  Json fresh = Task{host, "apt", {{"update_cache", true}, {"cache_valid_time", 3600}}}.Run();
  CHECK(fresh["changed"] == false);
  CHECK(fresh["cache_updated"] == false);
  CHECK(fresh["cache_update_time"] == 1700000000 - 100);
  CHECK(host.commands().empty());
  Json stale = Task{host, "apt", {{"update_cache", true}, {"cache_valid_time", 60}}}.Run();
  CHECK(stale["changed"] == true);
  CHECK(stale["cache_updated"] == true);
  CHECK(stale["cache_update_time"] == 1700000000);
  CHECK(host.commands() == std::vector<std::string>{"apt-get update -q"});
  // With packages, a cache update alone does not make the task changed.
  host.SetNow(1700009999000000);
  host.ClearRecords();
  Json with_pkg = Task{host, "apt", {{"name", "bash"}, {"update-cache", "yes"}}}.Run();
  CHECK(with_pkg["cache_updated"] == true);
  CHECK(with_pkg["changed"] == false);
}

TEST_CASE("apt: waits while another process holds the lock, then fails clearly") {
  FakeHost host = AptHost(FakeApt{.lock_busy = 2});
  Json result = Task{host, "apt", {{"name", "tree"}}}.Run();
  CHECK(result["changed"] == true);
  CHECK(std::count(host.commands().begin(), host.commands().end(), "sleep 1") == 2);
  FakeHost busy = AptHost(FakeApt{.lock_busy = 1000});
  Json failed = Task{busy, "apt", {{"name", "tree"}, {"lock_timeout", 3}}}.Run();
  CHECK(failed["failed"] == true);
  CHECK(failed["msg"].get<std::string>().starts_with(
      "Failed to lock apt for exclusive operation: E: Could not get lock /var/lib/dpkg/lock-frontend"));
  CHECK(std::count(busy.commands().begin(), busy.commands().end(), "sleep 1") == 3);
}

TEST_CASE("apt: argument validation suggests the right name") {
  auto bad = ValidateModuleArgs("apt", {{"name", "tree"}, {"update_cach", true}});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("update_cache") != std::string::npos);
  auto state = ValidateModuleArgs("apt", {{"name", "tree"}, {"state", "installed"}});
  REQUIRE_FALSE(state.has_value());
  CHECK(state.error().message.find("present") != std::string::npos);
  FakeHost host = AptHost();
  Json upgrade = Task{host, "apt", {{"upgrade", "sometimes"}}}.Run();
  CHECK(upgrade["msg"] == "value of upgrade must be one of: dist, full, no, safe, yes, got: sometimes");
}

TEST_CASE("package: dispatches to apt on a dpkg system") {
  FakeHost host = AptHost();
  CheckIdempotent(Task{host, "package", {{"name", "tree"}, {"state", "present"}}});
  Json other = Task{host, "package", {{"name", "tree"}, {"state", "present"}, {"use", "dnf"}}}.Run();
  CHECK(other["failed"] == true);
}

TEST_CASE("package_facts: installed packages from the dpkg database") {
  FakeHost host = AptHost();
  Json result = Task{host, "package_facts", Json::object()}.Run();
  REQUIRE_MESSAGE(result["failed"] != true, result.dump());
  const Json& packages = result["ansible_facts"]["packages"];
  CHECK(packages["bash"][0]["version"] == "5.2.15-2+b2");
  CHECK(packages["bash"][0]["arch"] == "amd64");
  CHECK(packages["bash"][0]["source"] == "apt");
  CHECK(packages["libc6"].size() == 2);
  CHECK_FALSE(packages.contains("oldconf"));
  CHECK(host.commands().empty());
}

TEST_CASE("dpkg_selections: sets a selection once, from the status want field") {
  FakeHost host = AptHost();
  Task hold{host, "dpkg_selections", {{"name", "bash"}, {"selection", "hold"}}};
  CheckCheckMode(hold);
  Json first = hold.Run();
  CHECK(first["changed"] == true);
  CHECK(first["before"] == "install");
  CHECK(host.commands() == std::vector<std::string>{"dpkg --set-selections"});
  host.ClearRecords();
  CHECK(hold.Run()["changed"] == false);
  CHECK(host.commands().empty());
}

TEST_CASE("apt_repository: adds a line to a file named after the URL; idempotent; absent") {
  FakeHost host = AptHost();
  host.AddFile("/etc/apt/sources.list", "deb http://mirror.example/debian bookworm main\n");
  host.AddDirectory("/etc/apt/sources.list.d");
  host.ClearRecords();
  std::string repo =
      "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc]  https://download.docker.com/linux/debian "
      "bookworm stable";
  Task add{host, "apt_repository", {{"repo", repo}}};
  CheckCheckMode(add);
  CHECK(host.commands().empty());
  add.diff = true;
  Json first = add.Run();
  REQUIRE_MESSAGE(first["failed"] != true, first.dump());
  CHECK(first["changed"] == true);
  std::string file = "/etc/apt/sources.list.d/download_docker_com_linux_debian.list";
  CHECK(host.Content(file) ==
        "deb [arch=amd64 signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/debian "
        "bookworm stable\n");
  CHECK(host.Find(file)->mode == 0644);
  CHECK(first["sources_added"] == Json::array({file}));
  CHECK(first["diff"][0]["after_header"] == file);
  CHECK(host.commands() == std::vector<std::string>{"apt-get update -q"});
  host.ClearRecords();
  Json second = add.Run();
  CHECK(second["changed"] == false);
  CHECK(host.commands().empty());
  // A line already in sources.list counts, whatever file it is in.
  CHECK(Task{host, "apt_repository", {{"repo", "deb http://mirror.example/debian  bookworm main"}}}
            .Run()["changed"] == false);
  Task remove{host, "apt_repository", {{"repo", repo}, {"state", "absent"}, {"update_cache", false}}};
  Json removed = remove.Run();
  CHECK(removed["changed"] == true);
  CHECK(host.Find(file) == nullptr);
  CHECK(remove.Run()["changed"] == false);
}

TEST_CASE("apt_repository: filename and mode; a disabled line is enabled again") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/sources.list.d");
  host.AddFile("/etc/apt/sources.list", "# deb http://example.org/debian bookworm main\n# a comment\n");
  Json named = Task{host,
                    "apt_repository",
                    {{"repo", "deb http://mirror.local/debian bookworm main"},
                     {"filename", "local"},
                     {"mode", "0600"},
                     {"update_cache", false}}}
                   .Run();
  CHECK(named["changed"] == true);
  CHECK(host.Find("/etc/apt/sources.list.d/local.list")->mode == 0600);
  Json enabled = Task{host,
                      "apt_repository",
                      {{"repo", "deb http://example.org/debian bookworm main"}, {"update_cache", false}}}
                     .Run();
  CHECK(enabled["changed"] == true);
  CHECK(host.Content("/etc/apt/sources.list") ==
        "deb http://example.org/debian bookworm main\n# a comment\n");
}

TEST_CASE("deb822_repository: writes the .sources file once, removes it on absent") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/sources.list.d");
  host.ClearRecords();
  Task task{host,
            "deb822_repository",
            {{"name", "Docker CE"},
             {"uris", "https://download.docker.com/linux/debian"},
             {"suites", "bookworm"},
             {"components", "stable"},
             {"architectures", "amd64"},
             {"signed_by", "/etc/apt/keyrings/docker.asc"}}};
  CheckCheckMode(task);
  CheckIdempotent(task);
  std::string dest = "/etc/apt/sources.list.d/docker-ce.sources";
  CHECK(host.Content(dest) ==
        "X-Repolib-Name: Docker CE\nTypes: deb\nURIs: https://download.docker.com/linux/debian\n"
        "Suites: bookworm\nComponents: stable\nArchitectures: amd64\n"
        "Signed-By: /etc/apt/keyrings/docker.asc\n");
  CHECK(host.Find(dest)->mode == 0644);
  Json inline_key = Task{host,
                         "deb822_repository",
                         {{"name", "inline"},
                          {"uris", "http://x"},
                          {"suites", "s"},
                          {"signed_by", "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n-----END PGP PUBLIC KEY BLOCK-----\n"}}}
                        .Run();
  CHECK(inline_key["repo"].get<std::string>().find(
            "Signed-By:\n    -----BEGIN PGP PUBLIC KEY BLOCK-----\n    .\n    abc\n") != std::string::npos);
  Task absent{host, "deb822_repository", {{"name", "Docker CE"}, {"state", "absent"}}};
  CHECK(absent.Run()["changed"] == true);
  CHECK(host.Find(dest) == nullptr);
  CHECK(absent.Run()["changed"] == false);
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

TEST_CASE("apt_key: keyring written dearmored once; id recognised; absent removes it") {
  FakeHost host = AptHost();
  host.AddDirectory("/etc/apt/keyrings");
  host.ClearRecords();
  std::string armored = Slurp("debian-bookworm-stable.asc");
  Task add{host, "apt_key", {{"data", armored}, {"keyring", "/etc/apt/keyrings/debian.gpg"}}};
  CheckCheckMode(add);
  CheckIdempotent(add);
  CHECK(host.Content("/etc/apt/keyrings/debian.gpg") == Slurp("debian-archive-bookworm-stable.gpg"));
  Json by_id = Task{host,
                    "apt_key",
                    {{"id", "0xF8D2585B8783D481"}, {"keyring", "/etc/apt/keyrings/debian.gpg"}}}
                   .Run();
  CHECK(by_id["changed"] == false);
  CHECK(host.commands().empty());
  Task remove{host,
              "apt_key",
              {{"id", "8783D481"}, {"keyring", "/etc/apt/keyrings/debian.gpg"}, {"state", "absent"}}};
  CHECK(remove.Run()["changed"] == true);
  CHECK(host.Find("/etc/apt/keyrings/debian.gpg") == nullptr);
  CHECK(remove.Run()["changed"] == false);
}

}  // namespace tend
