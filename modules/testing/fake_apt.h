#pragma once

// Stand-ins for dpkg and apt on the FakeHost, shared by the apt family's tests
// (tests only).

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "modules/framework/text.h"
#include "modules/packages/apt_common.h"
#include "modules/testing/test_support.h"

namespace tend::fake_apt_test {

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

inline std::string Slurp(const std::string& relative) {
  const char* source = std::getenv("TEND_SOURCE_DIR");
  std::ifstream in(std::string(source ? source : ".") + "/modules/testing/testdata/packages/" + relative,
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

inline FakeHost AptHost(FakeApt apt = {}) {
  FakeHost host = MakeHost();
  host.AddFile(kDpkgStatusPath, kStatus);
  host.AddDirectory(kAptListsPath);
  host.OnRun([apt](const ProcessSpec& spec, FakeHost& h) mutable { return apt(spec, h); });
  host.ClearRecords();
  return host;
}

}  // namespace tend::fake_apt_test
