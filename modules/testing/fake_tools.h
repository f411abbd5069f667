#pragma once

// Stand-ins for tar and unzip, and argv matchers, that the unarchive, git, mount
// and debconf tests share (tests only).

#include <doctest/doctest.h>
#include <fmt/format.h>

#include <cstdlib>
#include <ctime>
#include <set>

#include "core/protocol.h"
#include "modules/framework/all.h"
#include "modules/parsers/tools_parse.h"
#include "modules/testing/test_support.h"

namespace tend::fake_tools_test {

inline std::string Arg(const ProcessSpec& spec, size_t i) {
  return i < spec.argv.size() ? spec.argv[i] : "";
}

inline bool HasArg(const ProcessSpec& spec, std::string_view a) {
  return std::find(spec.argv.begin(), spec.argv.end(), a) != spec.argv.end();
}

// Zip listings carry local times; the tests read them in UTC.
struct UtcZone {
  UtcZone() {
    setenv("TZ", "UTC", 1);
    tzset();
  }
};

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

}  // namespace tend::fake_tools_test
